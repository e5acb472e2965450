/*
 * Test scaffolding for running baocao.exe under wine 8 (Debian bookworm); never shipped.
 *
 * Rust's standard library draws its random numbers (HashMap keys) from ProcessPrng in
 * bcryptprimitives.dll, which wine only provides from version 9 on: without it the
 * program stops at its first HashMap. This DLL, put beside the .exe for the tests,
 * exports ProcessPrng on top of advapi32's RtlGenRandom (exported as SystemFunction036),
 * which wine 8 has.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG length: fill larger requests in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    /* Like Windows' own ProcessPrng, which is documented to always return TRUE. */
    return TRUE;
}
