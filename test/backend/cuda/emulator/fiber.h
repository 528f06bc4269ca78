// The kernel emulator's fiber switch (runtime.cpp runs each CUDA thread as a fiber of one OS thread): start a
// fiber on its own stack, switch from one fiber (or the scheduler) to another. On x86-64 a switch saves and loads
// only what a call must preserve (rbx, rbp, r12–r15, the stack pointer, the SSE and x87 control words): glibc's
// swapcontext also saves the signal mask with a system call at every switch, which was two thirds of the
// emulator's time. Elsewhere, ucontext.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
/** A suspended fiber: its stack pointer, where mt_fiber_switch pushed its registers. */
struct FiberContext { void *sp = nullptr; };

// mt_fiber_switch(&from->sp, to->sp): push the callee-saved registers and the control words, save the stack
// pointer into *from, load `to`, pop its registers, return into it
extern "C" void mt_fiber_switch(void **from, void *to);
asm(R"(
  .pushsection .text
  .globl mt_fiber_switch
  .hidden mt_fiber_switch
  .type mt_fiber_switch, @function
mt_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size mt_fiber_switch, .-mt_fiber_switch
  .popsection
)");

/** Makes `f` start `entry` (which must never return) on `stack` at its first switch. */
inline void fiberStart(FiberContext &f, char *stack, size_t size, void (*entry)()) {
  void **sp = reinterpret_cast<void **>(reinterpret_cast<uintptr_t>(stack + size) & ~uintptr_t(15));
  *--sp = nullptr;                          // entry's return address: it never returns
  *--sp = reinterpret_cast<void *>(entry);  // where mt_fiber_switch's ret goes, leaving sp ≡ 8 (mod 16) as after a call
  for (int r = 0; r < 6; r++) *--sp = nullptr;  // rbp, rbx, r12–r15
  unsigned short x87;
  asm("fnstcw %0" : "=m"(x87));
  *--sp = reinterpret_cast<void *>(uint64_t(__builtin_ia32_stmxcsr()) | uint64_t(x87) << 32);  // this thread's control words
  f.sp = sp;
}

inline void fiberSwitch(FiberContext &from, FiberContext &to) { mt_fiber_switch(&from.sp, to.sp); }
#else
#include <ucontext.h>
struct FiberContext { ucontext_t uc; };

inline void fiberStart(FiberContext &f, char *stack, size_t size, void (*entry)()) {
  getcontext(&f.uc);
  f.uc.uc_stack.ss_sp = stack;
  f.uc.uc_stack.ss_size = size;
  f.uc.uc_link = nullptr;  // entry never returns
  makecontext(&f.uc, entry, 0);
}

inline void fiberSwitch(FiberContext &from, FiberContext &to) { swapcontext(&from.uc, &to.uc); }
#endif
