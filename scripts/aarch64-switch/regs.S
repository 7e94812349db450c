// reg_switch: the explicit register check around one call of the Rust `switch`.
//
//   void reg_switch(const uint64_t in[19], uint64_t out[21],
//                   void **save_sp, void *load_sp, switch_fn sw);
//
// Loads x19..x29 = in[0..10] and d8..d15 = in[11..18], calls sw(save_sp, load_sp), and,
// when the switch comes back (after the other context has run and loaded its own values
// into the same registers), stores those registers into out[0..18], with out[19] = sp
// before the call and out[20] = sp after it. The C side compares `out` with `in`.
// C code cannot do this: the compiler chooses which callee-saved registers it uses.

    .text
    .globl  reg_switch
    .type   reg_switch, %function
    .p2align 2
reg_switch:
    // Our caller's callee-saved registers: we are about to overwrite every one of them.
    sub     sp, sp, #176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    str     x1, [sp, #160]          // `out`: x1 is caller-saved, so keep it on our stack
    mov     x9, sp
    str     x9, [x1, #152]          // out[19] = sp before

    ldp     x19, x20, [x0, #0]
    ldp     x21, x22, [x0, #16]
    ldp     x23, x24, [x0, #32]
    ldp     x25, x26, [x0, #48]
    ldp     x27, x28, [x0, #64]
    ldr     x29, [x0, #80]
    ldp     d8, d9, [x0, #88]
    ldp     d10, d11, [x0, #104]
    ldp     d12, d13, [x0, #120]
    ldp     d14, d15, [x0, #136]
    mov     x0, x2
    mov     x1, x3
    blr     x4                      // switch(save_sp, load_sp)

    ldr     x9, [sp, #160]
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    stp     x27, x28, [x9, #64]
    str     x29, [x9, #80]
    stp     d8, d9, [x9, #88]
    stp     d10, d11, [x9, #104]
    stp     d12, d13, [x9, #120]
    stp     d14, d15, [x9, #136]
    mov     x10, sp
    str     x10, [x9, #160]         // out[20] = sp after

    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #176
    ret
    .size   reg_switch, .-reg_switch

    .section .note.GNU-stack, "", %progbits
