"""Chapter 11's lab, the asyncio side: queues (a) and (c) of `lab.rs`, the same service.

`lab.rs` runs this with `python3` when there is one, and puts its figures next to its own.
Alone: `python3 solutions/11-production/examples/overload.py --load-for 2 --runs 3`.
It prints one JSON object per line: the capacity first, then one per queue and load.

The service: WORKERS workers, each holding a request for SERVICE seconds (a sleep), fed
by one asyncio.Queue. Callers arrive on a fixed schedule (an open loop), at 0.5, 1, 2 and
4 times the capacity measured first, each with a body of PAYLOAD bytes:

- (a) `asyncio.Queue()`: no bound; every caller is queued;
- (c) `asyncio.Queue(maxsize=QUEUE)`: `put_nowait` raises `asyncio.QueueFull` when it is
  full, and the caller is refused at once.

Everything stays in this process, and stops by itself.
"""

import argparse
import asyncio
import json
import math

WORKERS = 8
SERVICE = 0.008
PAYLOAD = 16 * 1024
QUEUE = 64
LOADS = [0.5, 1.0, 2.0, 4.0]


async def worker(queue: asyncio.Queue) -> None:
    while True:
        body, answer = await queue.get()
        await asyncio.sleep(SERVICE)
        if not answer.done():
            answer.set_result(len(body))
        queue.task_done()


async def capacity(count: int) -> float:
    """Requests a second the service answers when it always has work."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    workers = [asyncio.create_task(worker(queue)) for _ in range(WORKERS)]
    start = loop.time()
    answers = []
    for _ in range(count):
        answer = loop.create_future()
        queue.put_nowait((bytes(PAYLOAD), answer))
        answers.append(answer)
    await asyncio.gather(*answers)
    rate = count / (loop.time() - start)
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return rate


async def overload(shedding: bool, rate: float, load_for: float) -> dict:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE if shedding else 0)
    workers = [asyncio.create_task(worker(queue)) for _ in range(WORKERS)]
    peak = 0

    async def call(arrival: float):
        nonlocal peak
        answer = loop.create_future()
        try:
            queue.put_nowait((bytes(PAYLOAD), answer))
        except asyncio.QueueFull:
            return None
        peak = max(peak, queue.qsize())
        await answer
        return loop.time() - arrival

    offered = round(rate * load_for)
    start = loop.time()
    callers = []
    sent = 0
    while sent < offered:
        await asyncio.sleep(0.001)
        # Everyone whose arrival time has come arrives now (an open loop).
        due = min(int((loop.time() - start) * rate) + 1, offered)
        for i in range(sent, due):
            callers.append(asyncio.create_task(call(start + i / rate)))
        sent = due
    outcomes = await asyncio.gather(*callers)
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    latencies = sorted(o for o in outcomes if o is not None)
    refused = sum(1 for o in outcomes if o is None)

    def percentile(p: float) -> float:
        if not latencies:
            return 0.0
        rank = math.ceil(p / 100 * len(latencies))
        return latencies[min(max(rank, 1), len(latencies)) - 1] * 1e9

    return {
        "p50": percentile(50),
        "p99": percentile(99),
        "held": peak * PAYLOAD,
        "refused": refused / offered,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load-for", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--capacity-count", type=int, default=2000)
    args = parser.parse_args()
    measured = await capacity(args.capacity_count)
    print(json.dumps({"capacity": measured}), flush=True)
    for shedding in (False, True):
        for load in LOADS:
            runs = [
                await overload(shedding, measured * load, args.load_for)
                for _ in range(args.runs)
            ]
            name = "(c) asyncio, sheds" if shedding else "(a) asyncio, unbounded"
            print(json.dumps({"queue": name, "load": load, "runs": runs}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
