//go:build !purego

#include "textflag.h"

// yccRGBAVX2 (color_amd64.go): libjpeg's ycc_rgb_convert for 16 pixels an iteration, in
// 32-bit lanes with the same integer arithmetic as its tables, packed with saturation
// (its range limit) and interleaved into RGB by byte shuffles.

#define C(name, v) DATA name<>+0(SB)/4, $v; DATA name<>+4(SB)/4, $v; DATA name<>+8(SB)/4, $v; DATA name<>+12(SB)/4, $v; DATA name<>+16(SB)/4, $v; DATA name<>+20(SB)/4, $v; DATA name<>+24(SB)/4, $v; DATA name<>+28(SB)/4, $v; GLOBL name<>(SB), RODATA|NOPTR, $32

C(c128, 128)
C(cHalf, 32768)
C(cCrR, 91881)
C(cCbG, -22554)
C(cCrG, -46802)
C(cCbB, 116130)

// Byte shuffles: output chunk k (bytes 16k..16k+15 of 16 RGB pixels) takes from channel
// c's 16 bytes the pixel j/3 for each byte j with j%3 == c, zero elsewhere.
DATA shufR0<>+0(SB)/8, $0x8002808001808000
DATA shufR0<>+8(SB)/8, $0x0580800480800380
GLOBL shufR0<>(SB), RODATA|NOPTR, $16
DATA shufG0<>+0(SB)/8, $0x0280800180800080
DATA shufG0<>+8(SB)/8, $0x8080048080038080
GLOBL shufG0<>(SB), RODATA|NOPTR, $16
DATA shufB0<>+0(SB)/8, $0x8080018080008080
DATA shufB0<>+8(SB)/8, $0x8004808003808002
GLOBL shufB0<>(SB), RODATA|NOPTR, $16
DATA shufR1<>+0(SB)/8, $0x8080078080068080
DATA shufR1<>+8(SB)/8, $0x800a808009808008
GLOBL shufR1<>(SB), RODATA|NOPTR, $16
DATA shufG1<>+0(SB)/8, $0x8007808006808005
DATA shufG1<>+8(SB)/8, $0x0a80800980800880
GLOBL shufG1<>(SB), RODATA|NOPTR, $16
DATA shufB1<>+0(SB)/8, $0x0780800680800580
DATA shufB1<>+8(SB)/8, $0x8080098080088080
GLOBL shufB1<>(SB), RODATA|NOPTR, $16
DATA shufR2<>+0(SB)/8, $0x0d80800c80800b80
DATA shufR2<>+8(SB)/8, $0x80800f80800e8080
GLOBL shufR2<>(SB), RODATA|NOPTR, $16
DATA shufG2<>+0(SB)/8, $0x80800c80800b8080
DATA shufG2<>+8(SB)/8, $0x800f80800e80800d
GLOBL shufG2<>(SB), RODATA|NOPTR, $16
DATA shufB2<>+0(SB)/8, $0x800c80800b80800a
DATA shufB2<>+8(SB)/8, $0x0f80800e80800d80
GLOBL shufB2<>(SB), RODATA|NOPTR, $16

// CONVERT8 converts the 8 pixels at offset OFF of y, cb, cr (SI, BX, CX) into int32 lanes
// R, G, B.
#define CONVERT8(OFF, R, G, B) \
	VPMOVZXBD OFF(BX), Y4; \
	VPMOVZXBD OFF(CX), Y5; \
	VPMOVZXBD OFF(SI), Y6; \
	VPSUBD    Y15, Y4, Y4; \
	VPSUBD    Y15, Y5, Y5; \
	VPMULLD   Y10, Y5, R; \
	VPMULLD   Y11, Y4, G; \
	VPMULLD   Y12, Y5, Y8; \
	VPMULLD   Y13, Y4, B; \
	VPADDD    Y8, G, G; \
	VPADDD    Y14, R, R; \
	VPADDD    Y14, G, G; \
	VPADDD    Y14, B, B; \
	VPSRAD    $16, R, R; \
	VPSRAD    $16, G, G; \
	VPSRAD    $16, B, B; \
	VPADDD    Y6, R, R; \
	VPADDD    Y6, G, G; \
	VPADDD    Y6, B, B

// PACK16 packs two 8-lane int32 registers A (pixels 0-7) and B (8-15) into 16 saturated
// bytes in X.
#define PACK16(A, B, X, Y) \
	VPACKSSDW B, A, Y; \
	VPERMQ    $0xd8, Y, Y; \
	VEXTRACTI128 $1, Y, X8; \
	VPACKUSWB X8, X, X

// func yccRGBAVX2(out, y, cb, cr *byte, n int)
TEXT ·yccRGBAVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ cb+16(FP), BX
	MOVQ cr+24(FP), CX
	MOVQ n+32(FP), DX
	VMOVDQU c128<>(SB), Y15
	VMOVDQU cHalf<>(SB), Y14
	VMOVDQU cCrR<>(SB), Y10
	VMOVDQU cCbG<>(SB), Y11
	VMOVDQU cCrG<>(SB), Y12
	VMOVDQU cCbB<>(SB), Y13

loop:
	CMPQ DX, $16
	JLT  done
	CONVERT8(0, Y0, Y1, Y2)
	VMOVDQA Y0, Y9
	CONVERT8(8, Y0, Y3, Y7)
	// R: Y9 (0-7), Y0 (8-15); G: Y1, Y3; B: Y2, Y7.
	PACK16(Y9, Y0, X9, Y9)
	PACK16(Y1, Y3, X1, Y1)
	PACK16(Y2, Y7, X2, Y2)
	VPSHUFB shufR0<>(SB), X9, X3
	VPSHUFB shufG0<>(SB), X1, X4
	VPSHUFB shufB0<>(SB), X2, X5
	VPOR    X4, X3, X3
	VPOR    X5, X3, X3
	VMOVDQU X3, 0(DI)
	VPSHUFB shufR1<>(SB), X9, X3
	VPSHUFB shufG1<>(SB), X1, X4
	VPSHUFB shufB1<>(SB), X2, X5
	VPOR    X4, X3, X3
	VPOR    X5, X3, X3
	VMOVDQU X3, 16(DI)
	VPSHUFB shufR2<>(SB), X9, X3
	VPSHUFB shufG2<>(SB), X1, X4
	VPSHUFB shufB2<>(SB), X2, X5
	VPOR    X4, X3, X3
	VPOR    X5, X3, X3
	VMOVDQU X3, 32(DI)
	ADDQ $48, DI
	ADDQ $16, SI
	ADDQ $16, BX
	ADDQ $16, CX
	SUBQ $16, DX
	JMP  loop

done:
	VZEROUPPER
	RET

DATA w8<>+0(SB)/8, $0x0008000800080008
DATA w8<>+8(SB)/8, $0x0008000800080008
DATA w8<>+16(SB)/8, $0x0008000800080008
DATA w8<>+24(SB)/8, $0x0008000800080008
GLOBL w8<>(SB), RODATA|NOPTR, $32
DATA w7<>+0(SB)/8, $0x0007000700070007
DATA w7<>+8(SB)/8, $0x0007000700070007
DATA w7<>+16(SB)/8, $0x0007000700070007
DATA w7<>+24(SB)/8, $0x0007000700070007
GLOBL w7<>(SB), RODATA|NOPTR, $32

// COLSUM sets T to 3*near+far for the 16 samples at offset OFF of near (SI) and far (BX).
#define COLSUM(OFF, T, TMP) \
	VPMOVZXBW OFF(SI), T; \
	VPMOVZXBW OFF(BX), TMP; \
	VPADDW    TMP, T, TMP; \
	VPADDW    T, T, T; \
	VPADDW    TMP, T, T

// func upH2V2AVX2(out, near, far *byte, n int)
// libjpeg's h2v2_fancy_upsample for input samples 0..n-1 (n a multiple of 16), reading
// samples -1 and n: out[2i] = (3t[i] + t[i-1] + 8) >> 4, out[2i+1] = (3t[i] + t[i+1] + 7) >> 4
// with t = 3*near + far.
TEXT ·upH2V2AVX2(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ near+8(FP), SI
	MOVQ far+16(FP), BX
	MOVQ n+24(FP), DX
	VMOVDQU w8<>(SB), Y14
	VMOVDQU w7<>(SB), Y15

uploop:
	CMPQ DX, $16
	JLT  updone
	COLSUM(0, Y0, Y3)
	COLSUM(-1, Y1, Y3)
	COLSUM(1, Y2, Y3)
	VPADDW  Y0, Y0, Y3
	VPADDW  Y0, Y3, Y3 // 3t
	VPADDW  Y1, Y3, Y1
	VPADDW  Y14, Y1, Y1
	VPSRLW  $4, Y1, Y1 // even
	VPADDW  Y2, Y3, Y2
	VPADDW  Y15, Y2, Y2
	VPSRLW  $4, Y2, Y2 // odd
	VPUNPCKLWD Y2, Y1, Y4
	VPUNPCKHWD Y2, Y1, Y5
	VPACKUSWB  Y5, Y4, Y4
	VMOVDQU Y4, (DI)
	ADDQ $32, DI
	ADDQ $16, SI
	ADDQ $16, BX
	SUBQ $16, DX
	JMP  uploop

updone:
	VZEROUPPER
	RET

DATA w1<>+0(SB)/8, $0x0001000100010001
DATA w1<>+8(SB)/8, $0x0001000100010001
DATA w1<>+16(SB)/8, $0x0001000100010001
DATA w1<>+24(SB)/8, $0x0001000100010001
GLOBL w1<>(SB), RODATA|NOPTR, $32
DATA w2<>+0(SB)/8, $0x0002000200020002
DATA w2<>+8(SB)/8, $0x0002000200020002
DATA w2<>+16(SB)/8, $0x0002000200020002
DATA w2<>+24(SB)/8, $0x0002000200020002
GLOBL w2<>(SB), RODATA|NOPTR, $32

// func upH2V1AVX2(out, in *byte, n int)
// libjpeg's h2v1_fancy_upsample for input samples 0..n-1 (n a multiple of 16), reading
// samples -1 and n: out[2i] = (3c[i] + c[i-1] + 1) >> 2, out[2i+1] = (3c[i] + c[i+1] + 2) >> 2.
TEXT ·upH2V1AVX2(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ n+16(FP), DX
	VMOVDQU w1<>(SB), Y14
	VMOVDQU w2<>(SB), Y15

h1loop:
	CMPQ DX, $16
	JLT  h1done
	VPMOVZXBW 0(SI), Y0
	VPMOVZXBW -1(SI), Y1
	VPMOVZXBW 1(SI), Y2
	VPADDW  Y0, Y0, Y3
	VPADDW  Y0, Y3, Y3 // 3c
	VPADDW  Y1, Y3, Y1
	VPADDW  Y14, Y1, Y1
	VPSRLW  $2, Y1, Y1 // even
	VPADDW  Y2, Y3, Y2
	VPADDW  Y15, Y2, Y2
	VPSRLW  $2, Y2, Y2 // odd
	VPUNPCKLWD Y2, Y1, Y4
	VPUNPCKHWD Y2, Y1, Y5
	VPACKUSWB  Y5, Y4, Y4
	VMOVDQU Y4, (DI)
	ADDQ $32, DI
	ADDQ $16, SI
	SUBQ $16, DX
	JMP  h1loop

h1done:
	VZEROUPPER
	RET
