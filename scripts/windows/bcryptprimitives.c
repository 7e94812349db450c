/* Rust's standard library (1.78 and later) asks Windows for random bytes through
 * bcryptprimitives.dll's ProcessPrng, which Wine 8 (Debian 12's) does not have: every
 * test binary then fails to load. This stand-in, built with mingw-w64 and put in Wine's
 * system32 by scripts/windows-tests.sh, answers with RtlGenRandom (SystemFunction036),
 * which Wine has. Real Windows never sees it. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk; length -= chunk;
    }
    return TRUE;
}
