// Test harness for the aarch64 `switch` / `trampoline` / `prepare_stack` of exercise 05.5,
// compiled from the solution's text by rustc (switch.o) and run under qemu-aarch64.
// Prints PASS and exits 0, or prints FAIL: ... and exits 1 at the first mismatch.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <sys/mman.h>
#include <unistd.h>

// ---- From the Rust object (exports.rs) and regs.S --------------------------------------
typedef void (*switch_fn)(void **save_sp, void *load_sp);
typedef void (*entry_fn)(void *arg); // never returns (noreturn is not part of a C type)
extern const switch_fn SWITCH;
extern void (*const TRAMPOLINE)(void);
extern void *rs_prepare_stack(void *top, entry_fn entry, void *arg);
void reg_switch(const uint64_t in[19], uint64_t out[21], void **save_sp, void *load_sp,
                switch_fn sw);

#define FAIL(...)                                                                          \
    do {                                                                                   \
        printf("FAIL: " __VA_ARGS__);                                                      \
        printf("\n");                                                                      \
        exit(1);                                                                           \
    } while (0)

enum { STACK_SIZE = 256 * 1024, FRAME_WORDS = 20, N_CTX = 4, STEPS = 200, REG_ROUNDS = 500 };

static uint64_t mix(uint64_t x) {
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 29);
}

static uintptr_t current_sp(void) {
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

// ---- Green contexts, as AsmContext does it (resume / suspend / green_entry) -------------
struct ctx {
    void *sp;        // saved while suspended (or the frame from prepare_stack)
    void *caller_sp; // the resumer's, while it runs
    char *lo, *hi;   // its stack
    int id, finished;
    void (*body)(struct ctx *);
    long yields;
    uint64_t result;
};
static struct ctx *current;
static struct ctx *all_ctxs[16]; // to check the entry's argument before using it
static int n_ctxs;

static noreturn void green_entry(void *arg) {
    uintptr_t sp = current_sp();
    int known = 0;
    for (int i = 0; i < n_ctxs; i++) known |= all_ctxs[i] == arg;
    if (!known) FAIL("entry function called with arg %p, not a context", arg);
    struct ctx *c = arg;
    if (sp % 16 != 0) FAIL("context %d: sp %#lx not 16-byte aligned in the entry function", c->id, (unsigned long)sp);
    if (sp <= (uintptr_t)c->lo || sp >= (uintptr_t)c->hi || (uintptr_t)c->hi - sp > 1024)
        FAIL("context %d: entry runs with sp %#lx, not near the top of its stack [%p, %p)",
             c->id, (unsigned long)sp, (void *)c->lo, (void *)c->hi);
    c->body(c);
    c->finished = 1;
    SWITCH(&c->sp, c->caller_sp);
    FAIL("context %d resumed after it finished", c->id);
}

static struct ctx *new_ctx(int id, void (*body)(struct ctx *)) {
    long page = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, STACK_SIZE + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(map, page, PROT_NONE) != 0) FAIL("mmap/mprotect of a stack");
    struct ctx *c = calloc(1, sizeof *c);
    c->lo = map + page;
    c->hi = c->lo + STACK_SIZE;
    c->id = id;
    c->body = body;
    if (n_ctxs == 16) FAIL("too many contexts");
    all_ctxs[n_ctxs++] = c;
    // An unaligned top on purpose (0..15 bytes off): prepare_stack must align it down.
    c->sp = rs_prepare_stack(c->hi - (id * 7) % 16, green_entry, c);
    return c;
}

static int resume(struct ctx *c) {
    if (c->finished) FAIL("resuming context %d, which has finished", c->id);
    struct ctx *outer = current;
    current = c;
    SWITCH(&c->caller_sp, c->sp);
    current = outer;
    return c->finished;
}

static __attribute__((noinline)) void suspend(void) {
    struct ctx *c = current;
    c->yields++;
    SWITCH(&c->sp, c->caller_sp);
}

// ---- Test 1: prepare_stack's frame ------------------------------------------------------
static noreturn void never_entered(void *arg) { (void)arg; FAIL("never_entered was entered"); }

static void test_frame(void) {
    static _Alignas(16) unsigned char buf[512];
    for (int off = 0; off < 16; off++) {
        memset(buf, 0xAA, sizeof buf);
        unsigned char *top = buf + 400 + off;
        uintptr_t aligned = (uintptr_t)top & ~(uintptr_t)15;
        uint64_t *sp = rs_prepare_stack(top, never_entered, (void *)0x1234);
        if ((uintptr_t)sp != aligned - FRAME_WORDS * 8)
            FAIL("prepare_stack(top %% 16 = %d) returned sp = top - %ld, expected the 16-aligned top - 160",
                 off, (long)((uintptr_t)top - (uintptr_t)sp));
        for (int i = 0; i < FRAME_WORDS; i++) {
            uint64_t want = i == 0 ? 0x1234 : i == 1 ? (uint64_t)(uintptr_t)never_entered
                          : i == 11 ? (uint64_t)(uintptr_t)TRAMPOLINE : 0;
            if (sp[i] != want)
                FAIL("prepare_stack frame word %d = %#llx, expected %#llx", i,
                     (unsigned long long)sp[i], (unsigned long long)want);
        }
        for (unsigned char *p = buf; p < buf + sizeof buf; p++)
            if ((p < (unsigned char *)sp || p >= (unsigned char *)aligned) && *p != 0xAA)
                FAIL("prepare_stack wrote outside its 160-byte frame (offset %ld)", (long)(p - buf));
    }
    printf("ok: prepare_stack builds the 20-word frame (x19=arg, x20=entry, x30=trampoline) below the aligned top\n");
}

// ---- Test 2: x19..x29 and d8..d15 survive a switch, on both sides -----------------------
static const char *const REG_NAMES[19] = {"x19", "x20", "x21", "x22", "x23", "x24", "x25",
                                          "x26", "x27", "x28", "x29", "d8",  "d9",  "d10",
                                          "d11", "d12", "d13", "d14", "d15"};

static void pattern(uint64_t in[19], uint64_t seed) {
    for (int i = 0; i < 19; i++) in[i] = mix(seed * 64 + i) | 1;
}

static void check_regs(const char *side, long round, const uint64_t in[19], const uint64_t out[21]) {
    for (int i = 0; i < 19; i++)
        if (out[i] != in[i])
            FAIL("%s side, round %ld: %s = %#llx after the switch, expected %#llx (not preserved)",
                 side, round, REG_NAMES[i], (unsigned long long)out[i], (unsigned long long)in[i]);
    if (out[19] != out[20])
        FAIL("%s side, round %ld: sp %#llx after the switch, was %#llx", side, round,
             (unsigned long long)out[20], (unsigned long long)out[19]);
}

static void reg_body(struct ctx *c) {
    uint64_t in[19], out[21];
    for (long r = 0; r < REG_ROUNDS; r++) {
        pattern(in, 0xB0000 + r);
        reg_switch(in, out, &c->sp, c->caller_sp, SWITCH);
        check_regs("green", r, in, out);
    }
}

static void test_registers(void) {
    struct ctx *c = new_ctx(0, reg_body);
    uint64_t in[19], out[21];
    for (long r = 0; r <= REG_ROUNDS; r++) { // the last switch back is green_entry's
        if (c->finished) FAIL("register test: context finished too early");
        pattern(in, 0xA0000 + r);
        reg_switch(in, out, &c->caller_sp, c->sp, SWITCH);
        check_regs("main", r, in, out);
    }
    if (!c->finished) FAIL("register test: context did not finish");
    printf("ok: x19-x29, d8-d15 and sp preserved across %d switches (%d each way)\n",
           2 * (REG_ROUNDS + 1), REG_ROUNDS + 1);
}

// ---- Test 3: contexts in round robin, computing on their own stacks ---------------------
// Many integer and double locals live across every suspend(): the compiler keeps them in
// x19-x28 and d8-d15 (or spills them to the green stack). Recursion with a local array
// puts several frames on each green stack that must survive. With do_yield = 0 the same
// function computes the expected value on the main stack.
static uint64_t work(int id, int depth, int do_yield) {
    uint64_t a = mix(id + 1), b = mix(a), c = mix(b), d = mix(c), e = mix(d), f = mix(e),
             g = mix(f), h = mix(g);
    double fa = id + 0.5, fb = 1.25, fc = 2.5, fd = 3.75, fe = 0.125, ff = 7.0, fg = 0.3, fh = 0.7;
    volatile uint64_t local[16]; // volatile: really in memory, on this stack
    for (int i = 0; i < 16; i++) local[i] = mix(a + i + depth);
    for (int s = 0; s < STEPS; s++) {
        a = mix(a + b); b = mix(b ^ c); c = mix(c + d); d = mix(d ^ e);
        e = mix(e + f); f = mix(f ^ g); g = mix(g + h); h = mix(h ^ a);
        fa = fa * 0.5 + fb; fb = fb * 0.75 + fc * 0.125; fc = fc * 0.5 + fd * 0.25;
        fd = fd * 0.25 + fe; fe = fe * 0.5 + ff * 0.0625; ff = ff * 0.5 + fg;
        fg = fg * 0.5 + fh; fh = fh * 0.5 + fa * 0.25;
        local[s & 15] += h;
        if (do_yield) suspend();
    }
    double fsum = fa + fb + fc + fd + fe + ff + fg + fh;
    uint64_t fbits;
    memcpy(&fbits, &fsum, sizeof fbits);
    uint64_t r = a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ fbits;
    for (int i = 0; i < 16; i++) r = mix(r + local[i]);
    if (depth > 0) r = mix(r + work(id, depth - 1, do_yield));
    return r;
}

static void rr_body(struct ctx *c) { c->result = work(c->id, c->id, 1); }

static void test_round_robin(void) {
    struct ctx *ctxs[N_CTX];
    uint64_t expected[N_CTX];
    for (int i = 0; i < N_CTX; i++) {
        expected[i] = work(i, i, 0);
        ctxs[i] = new_ctx(i, rr_body);
    }
    long switches = 0;
    for (int live = N_CTX; live > 0;) {
        for (int i = 0; i < N_CTX; i++) {
            if (ctxs[i]->finished) continue;
            switches += 2;
            if (resume(ctxs[i])) live--;
        }
    }
    for (int i = 0; i < N_CTX; i++) {
        struct ctx *c = ctxs[i];
        if (c->result != expected[i])
            FAIL("context %d computed %#llx on its stack, expected %#llx", i,
                 (unsigned long long)c->result, (unsigned long long)expected[i]);
        if (c->yields != (long)(i + 1) * STEPS)
            FAIL("context %d yielded %ld times, expected %d", i, c->yields, (i + 1) * STEPS);
    }
    printf("ok: %d contexts in round robin, %ld switches, all finished with the right values\n",
           N_CTX, switches);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    test_frame();
    test_registers();
    test_round_robin();
    printf("PASS\n");
    return 0;
}
