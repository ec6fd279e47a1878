"""Run BriskDB's MongoDB wire-protocol listener on 127.0.0.1 for Ralph (run with the LRS venv's python).

Usage: python serve_store.py DATA_DIR PORT. Prints "ready" once listening; stops on SIGTERM.
"""
import signal
import sys
import threading

import briskdb

data, port = sys.argv[1], int(sys.argv[2])
db = briskdb.open(data, documents=True, shards=2)  # 2 is BriskDB's smallest shard count
server = db.serve(http="127.0.0.1:0", admin=None, mongo=f"127.0.0.1:{port}")
print("ready", server.mongo_address, flush=True)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
done.wait()
server.close()
db.close()
