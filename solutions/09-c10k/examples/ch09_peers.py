"""Chapter 09's Python peers: the lab's echo protocol served the ways Python serves it.

Usage: python3 ch09_peers.py asyncio|uvloop|threads|gevent

Each server binds 127.0.0.1 on a free port, prints "listening 127.0.0.1:PORT" and echoes
every byte it receives until the client hangs up. Started and stopped by the lab
(`cargo run --release -p ch09-c10k-solution --example ch09-lab`).
"""

import sys


def report(sock):
    host, port = sock.getsockname()[:2]
    print(f"listening {host}:{port}", flush=True)


def run_asyncio(use_uvloop):
    import asyncio

    class Echo(asyncio.Protocol):
        # The fastest asyncio style (vmbench's "protocol" server): no stream objects.
        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            self.transport.write(data)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", 0, backlog=4096)
        report(server.sockets[0])
        await server.serve_forever()

    if use_uvloop:
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


def serve_socket(conn):
    with conn:
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            conn.sendall(data)


def run_threads():
    import errno
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    report(listener)
    told = False
    while True:
        try:
            conn, _ = listener.accept()
        except OSError as e:
            # Out of files: wait for a client to leave (the lesson of exercise 09.2).
            if e.errno in (errno.EMFILE, errno.ENFILE):
                if not told:
                    print(f"accept: {e}; backing off", file=sys.stderr, flush=True)
                    told = True
                time.sleep(0.1)
                continue
            raise
        try:
            threading.Thread(target=serve_socket, args=(conn,), daemon=True).start()
        except RuntimeError as e:
            print(f"thread: {e}", file=sys.stderr, flush=True)
            conn.close()
            time.sleep(0.1)


def run_gevent():
    from gevent.server import StreamServer

    def handle(conn, _address):
        serve_socket(conn)

    server = StreamServer(("127.0.0.1", 0), handle, backlog=4096)
    server.init_socket()
    report(server.socket)
    server.serve_forever()


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "asyncio":
        run_asyncio(False)
    elif kind == "uvloop":
        run_asyncio(True)
    elif kind == "threads":
        run_threads()
    elif kind == "gevent":
        run_gevent()
    else:
        sys.exit(__doc__)
