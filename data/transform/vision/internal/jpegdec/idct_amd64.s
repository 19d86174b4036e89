//go:build !purego

#include "textflag.h"

// idct8AVX2 (idct_amd64.go): libjpeg-turbo's SIMD islow IDCT arithmetic in 32-bit lanes.
// A register holds one row of the block (8 columns); pass 1 transforms down the columns
// with the rows as registers, the block is transposed, pass 2 transforms the rows the same
// way, and the block is transposed back, packed with saturation and stored. The 16-bit
// wraps of the SIMD code (dequantization, the sums i0+i4, i0-i4, i7+i3, i5+i1) are
// VPSLLD/VPSRAD by 16; its saturations are VPMINSD/VPMAXSD in pass 1 and the packs at
// the end.

#define C(name, v) DATA name<>+0(SB)/4, $v; DATA name<>+4(SB)/4, $v; DATA name<>+8(SB)/4, $v; DATA name<>+12(SB)/4, $v; DATA name<>+16(SB)/4, $v; DATA name<>+20(SB)/4, $v; DATA name<>+24(SB)/4, $v; DATA name<>+28(SB)/4, $v; GLOBL name<>(SB), RODATA|NOPTR, $32

C(cF054, 4433)
C(cF130, 10703)
C(cF054m184, -10704)
C(cF117m196, -6436)
C(cF117, 9633)
C(cF117m039, 6437)
C(cF029m089, -4927)
C(cM089, -7373)
C(cF205m256, -4176)
C(cM256, -20995)
C(cF307m256, 4177)
C(cF150m089, 4926)
C(cRound1, 1024)
C(cRound2, 131072)
C(cMax16, 32767)
C(cMin16, -32768)

DATA permRows<>+0(SB)/4, $0
DATA permRows<>+4(SB)/4, $4
DATA permRows<>+8(SB)/4, $1
DATA permRows<>+12(SB)/4, $5
DATA permRows<>+16(SB)/4, $2
DATA permRows<>+20(SB)/4, $6
DATA permRows<>+24(SB)/4, $3
DATA permRows<>+28(SB)/4, $7
GLOBL permRows<>(SB), RODATA|NOPTR, $32

DATA c80<>+0(SB)/8, $0x8080808080808080
DATA c80<>+8(SB)/8, $0x8080808080808080
DATA c80<>+16(SB)/8, $0x8080808080808080
DATA c80<>+24(SB)/8, $0x8080808080808080
GLOBL c80<>(SB), RODATA|NOPTR, $32

// WRAP16 truncates each lane of r to 16 bits, sign-extended.
#define WRAP16(r) VPSLLD $16, r, r; VPSRAD $16, r, r

// PASS is one 8-point pass over the lanes, inputs i0..i7 in Y0..Y7; outputs o0..o7 land
// in Y3, Y5, Y10, Y11, Y4, Y6, Y2, Y0, rounded with ROUND and shifted down by SHIFT.
#define PASS(ROUND, SHIFT) \
	VPMULLD cF054<>(SB), Y2, Y8; \
	VPMULLD cF054<>(SB), Y6, Y9; \
	VPMULLD cF130<>(SB), Y2, Y10; \
	VPMULLD cF054m184<>(SB), Y6, Y11; \
	VPADDD  Y10, Y9, Y9; \
	VPADDD  Y11, Y8, Y8; \
	VPADDD  Y4, Y0, Y2; \
	VPSUBD  Y4, Y0, Y6; \
	WRAP16(Y2); \
	WRAP16(Y6); \
	VPSLLD  $13, Y2, Y2; \
	VPSLLD  $13, Y6, Y6; \
	VPADDD  Y9, Y2, Y0; \
	VPSUBD  Y9, Y2, Y4; \
	VPADDD  Y8, Y6, Y2; \
	VPSUBD  Y8, Y6, Y6; \
	VPADDD  Y3, Y7, Y8; \
	VPADDD  Y1, Y5, Y9; \
	WRAP16(Y8); \
	WRAP16(Y9); \
	VPMULLD cF117m196<>(SB), Y8, Y10; \
	VPMULLD cF117<>(SB), Y9, Y11; \
	VPADDD  Y11, Y10, Y10; \
	VPMULLD cF117<>(SB), Y8, Y11; \
	VPMULLD cF117m039<>(SB), Y9, Y12; \
	VPADDD  Y12, Y11, Y11; \
	VPMULLD cF029m089<>(SB), Y7, Y8; \
	VPMULLD cM089<>(SB), Y1, Y9; \
	VPADDD  Y9, Y8, Y8; \
	VPADDD  Y10, Y8, Y8; \
	VPMULLD cM089<>(SB), Y7, Y9; \
	VPMULLD cF150m089<>(SB), Y1, Y12; \
	VPADDD  Y12, Y9, Y9; \
	VPADDD  Y11, Y9, Y9; \
	VPMULLD cF205m256<>(SB), Y5, Y1; \
	VPMULLD cM256<>(SB), Y3, Y7; \
	VPADDD  Y7, Y1, Y1; \
	VPADDD  Y11, Y1, Y1; \
	VPMULLD cM256<>(SB), Y5, Y7; \
	VPMULLD cF307m256<>(SB), Y3, Y11; \
	VPADDD  Y11, Y7, Y7; \
	VPADDD  Y10, Y7, Y7; \
	VMOVDQU ROUND, Y15; \
	VPADDD  Y15, Y0, Y0; \
	VPADDD  Y15, Y2, Y2; \
	VPADDD  Y15, Y6, Y6; \
	VPADDD  Y15, Y4, Y4; \
	VPADDD  Y9, Y0, Y3; \
	VPSUBD  Y9, Y0, Y0; \
	VPADDD  Y7, Y2, Y5; \
	VPSUBD  Y7, Y2, Y2; \
	VPADDD  Y1, Y6, Y10; \
	VPSUBD  Y1, Y6, Y6; \
	VPADDD  Y8, Y4, Y11; \
	VPSUBD  Y8, Y4, Y4; \
	VPSRAD  $SHIFT, Y3, Y3; \
	VPSRAD  $SHIFT, Y5, Y5; \
	VPSRAD  $SHIFT, Y10, Y10; \
	VPSRAD  $SHIFT, Y11, Y11; \
	VPSRAD  $SHIFT, Y4, Y4; \
	VPSRAD  $SHIFT, Y6, Y6; \
	VPSRAD  $SHIFT, Y2, Y2; \
	VPSRAD  $SHIFT, Y0, Y0;

// TRANSPOSE transposes the 8x8 int32 block whose rows are in Y3, Y5, Y10, Y11, Y4, Y6, Y2,
// Y0 (PASS's outputs) into rows Y0..Y7, through Y8, Y9, Y12-Y15, Y1 and Y7.
#define TRANSPOSE \
	VPUNPCKLDQ Y5, Y3, Y8; \
	VPUNPCKHDQ Y5, Y3, Y9; \
	VPUNPCKLDQ Y11, Y10, Y12; \
	VPUNPCKHDQ Y11, Y10, Y13; \
	VPUNPCKLDQ Y6, Y4, Y14; \
	VPUNPCKHDQ Y6, Y4, Y15; \
	VPUNPCKLDQ Y0, Y2, Y1; \
	VPUNPCKHDQ Y0, Y2, Y7; \
	VPUNPCKLQDQ Y12, Y8, Y3; \
	VPUNPCKHQDQ Y12, Y8, Y5; \
	VPUNPCKLQDQ Y13, Y9, Y10; \
	VPUNPCKHQDQ Y13, Y9, Y11; \
	VPUNPCKLQDQ Y1, Y14, Y4; \
	VPUNPCKHQDQ Y1, Y14, Y6; \
	VPUNPCKLQDQ Y7, Y15, Y2; \
	VPUNPCKHQDQ Y7, Y15, Y0; \
	VPERM2I128 $0x20, Y4, Y3, Y8; \
	VPERM2I128 $0x20, Y6, Y5, Y9; \
	VPERM2I128 $0x20, Y2, Y10, Y12; \
	VPERM2I128 $0x20, Y0, Y11, Y13; \
	VPERM2I128 $0x31, Y4, Y3, Y14; \
	VPERM2I128 $0x31, Y6, Y5, Y15; \
	VPERM2I128 $0x31, Y2, Y10, Y1; \
	VPERM2I128 $0x31, Y0, Y11, Y7; \
	VMOVDQA Y1, Y6; \
	VMOVDQA Y8, Y0; \
	VMOVDQA Y9, Y1; \
	VMOVDQA Y12, Y2; \
	VMOVDQA Y13, Y3; \
	VMOVDQA Y14, Y4; \
	VMOVDQA Y15, Y5

// func idct8AVX2(in *int32, out *byte, stride int, acZero bool)
TEXT ·idct8AVX2(SB), NOSPLIT, $32-25
	MOVQ in+0(FP), SI
	MOVQ out+8(FP), DI
	MOVQ stride+16(FP), DX
	MOVBLZX acZero+24(FP), AX

	VMOVDQU 0(SI), Y0
	WRAP16(Y0)
	TESTQ AX, AX
	JZ    full

	// No coefficient below row 0: pass 1 is row 0 shifted up by 2, wrapping, in every
	// row, so column k of the work array is that row's lane k in every lane.
	VPSLLD $2, Y0, Y0
	WRAP16(Y0)
	VMOVDQU Y0, ws-32(SP)
	VPBROADCASTD ws-32(SP), Y0
	VPBROADCASTD ws-28(SP), Y1
	VPBROADCASTD ws-24(SP), Y2
	VPBROADCASTD ws-20(SP), Y3
	VPBROADCASTD ws-16(SP), Y4
	VPBROADCASTD ws-12(SP), Y5
	VPBROADCASTD ws-8(SP), Y6
	VPBROADCASTD ws-4(SP), Y7
	JMP   pass2

full:
	VMOVDQU 32(SI), Y1
	VMOVDQU 64(SI), Y2
	VMOVDQU 96(SI), Y3
	VMOVDQU 128(SI), Y4
	VMOVDQU 160(SI), Y5
	VMOVDQU 192(SI), Y6
	VMOVDQU 224(SI), Y7
	WRAP16(Y1)
	WRAP16(Y2)
	WRAP16(Y3)
	WRAP16(Y4)
	WRAP16(Y5)
	WRAP16(Y6)
	WRAP16(Y7)
	PASS(cRound1<>(SB), 11)
	// Saturate pass 1's outputs to 16 bits (vpackssdw).
	VMOVDQU cMax16<>(SB), Y14
	VMOVDQU cMin16<>(SB), Y15
	VPMINSD Y14, Y3, Y3
	VPMINSD Y14, Y5, Y5
	VPMINSD Y14, Y10, Y10
	VPMINSD Y14, Y11, Y11
	VPMINSD Y14, Y4, Y4
	VPMINSD Y14, Y6, Y6
	VPMINSD Y14, Y2, Y2
	VPMINSD Y14, Y0, Y0
	VPMAXSD Y15, Y3, Y3
	VPMAXSD Y15, Y5, Y5
	VPMAXSD Y15, Y10, Y10
	VPMAXSD Y15, Y11, Y11
	VPMAXSD Y15, Y4, Y4
	VPMAXSD Y15, Y6, Y6
	VPMAXSD Y15, Y2, Y2
	VPMAXSD Y15, Y0, Y0
	// Rows w0..w7 are in Y3, Y5, Y10, Y11, Y4, Y6, Y2, Y0: transpose them into Y0..Y7.
	TRANSPOSE

pass2:
	PASS(cRound2<>(SB), 18)
	// Columns o0..o7 of the output are in Y3, Y5, Y10, Y11, Y4, Y6, Y2, Y0: transpose them
	// into rows Y0..Y7.
	TRANSPOSE
	// Pack rows to int16 then int8 with saturation, and level-shift by 128.
	VPACKSSDW Y1, Y0, Y0 // r0[0-3] r1[0-3] | r0[4-7] r1[4-7]
	VPACKSSDW Y3, Y2, Y2
	VPACKSSDW Y5, Y4, Y4
	VPACKSSDW Y7, Y6, Y6
	VPACKSSWB Y2, Y0, Y0 // r0[0-3] r1[0-3] r2[0-3] r3[0-3] | r0[4-7] ... r3[4-7]
	VPACKSSWB Y6, Y4, Y4
	VPADDB    c80<>(SB), Y0, Y0
	VPADDB    c80<>(SB), Y4, Y4
	VMOVDQU   permRows<>(SB), Y8
	VPERMD    Y0, Y8, Y0 // rows 0..3, 8 bytes each
	VPERMD    Y4, Y8, Y4 // rows 4..7
	VEXTRACTI128 $1, Y0, X1
	VEXTRACTI128 $1, Y4, X5
	MOVQ    X0, (DI)
	ADDQ    DX, DI
	VPEXTRQ $1, X0, (DI)
	ADDQ    DX, DI
	MOVQ    X1, (DI)
	ADDQ    DX, DI
	VPEXTRQ $1, X1, (DI)
	ADDQ    DX, DI
	MOVQ    X4, (DI)
	ADDQ    DX, DI
	VPEXTRQ $1, X4, (DI)
	ADDQ    DX, DI
	MOVQ    X5, (DI)
	ADDQ    DX, DI
	VPEXTRQ $1, X5, (DI)
	VZEROUPPER
	RET
