//go:build !purego

#include "textflag.h"

// The AVX2 kernels declared in kernels_amd64.go. Sums are int32 with Pillow's 22-bit fixed-point
// weights, exactly as the Go loops compute them; VPACKSSDW then VPACKUSWB clamp
// (sum >> 22) to 0..255 as clip8 does.

// Byte shuffles for the 8-row transposes: gather the even then the odd bytes of a
// register, and the inverse.
DATA maskEvenOdd<>+0(SB)/8, $0x0e0c0a0806040200
DATA maskEvenOdd<>+8(SB)/8, $0x0f0d0b0907050301
GLOBL maskEvenOdd<>(SB), RODATA|NOPTR, $16
DATA maskInterleave<>+0(SB)/8, $0x0b030a0209010800
DATA maskInterleave<>+8(SB)/8, $0x0f070e060d050c04
GLOBL maskInterleave<>(SB), RODATA|NOPTR, $16

// func VertRow(dst *byte, n int, src *byte, stride int, k *int32, taps int)
// dst[i] = clip8(half + sum_j src[j*stride+i] * k[j]) for i < n; n is a multiple of 16
// and taps >= 1.
TEXT ·VertRow(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ src+16(FP), SI
	MOVQ stride+24(FP), DX
	MOVQ k+32(FP), R8
	MOVQ taps+40(FP), R9
	MOVL $0x200000, AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15

vloop:
	CMPQ CX, $16
	JLT  vdone
	VMOVDQA Y15, Y0
	VMOVDQA Y15, Y1
	MOVQ SI, R10
	MOVQ R8, R11
	MOVQ R9, R12

vtap:
	VPBROADCASTD (R11), Y2
	VPMOVZXBD    (R10), Y3
	VPMOVZXBD    8(R10), Y4
	VPMULLD      Y2, Y3, Y3
	VPMULLD      Y2, Y4, Y4
	VPADDD       Y3, Y0, Y0
	VPADDD       Y4, Y1, Y1
	ADDQ         DX, R10
	ADDQ         $4, R11
	DECQ         R12
	JNZ          vtap

	VPSRAD       $22, Y0, Y0
	VPSRAD       $22, Y1, Y1
	VPACKSSDW    Y1, Y0, Y0
	VPERMQ       $0xd8, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKUSWB    X1, X0, X0
	VMOVDQU      X0, (DI)
	ADDQ         $16, SI
	ADDQ         $16, DI
	SUBQ         $16, CX
	JMP          vloop

vdone:
	VZEROUPPER
	RET

// func Horiz8(dst, src *byte, ow, ch int, mins, ns *int, k *int32, ksize int)
// src holds 8 rows transposed: byte i of row r at src[i*8+r], i < in.W*ch. For each
// output pixel x < ow and channel c < ch it writes the 8 rows' results at
// dst[(x*ch+c)*8 : +8], reading taps ns[x] from pixel mins[x] with weights
// k[x*ksize:].
TEXT ·Horiz8(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ow+16(FP), CX
	MOVQ ch+24(FP), R11
	SHLQ $3, R11 // bytes from one pixel's first channel to the next pixel's
	MOVQ mins+32(FP), R8
	MOVQ ns+40(FP), R9
	MOVQ k+48(FP), R10
	MOVL $0x200000, AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	TESTQ CX, CX
	JZ    hdone

hpixel:
	MOVQ  (R8), R12
	IMULQ R11, R12
	ADDQ  SI, R12
	MOVQ  ch+24(FP), R13

hchan:
	VMOVDQA Y15, Y0
	MOVQ    R12, AX
	MOVQ    R10, DX
	MOVQ    (R9), BX

htap:
	VPBROADCASTD (DX), Y1
	VPMOVZXBD    (AX), Y2
	VPMULLD      Y1, Y2, Y2
	VPADDD       Y2, Y0, Y0
	ADDQ         R11, AX
	ADDQ         $4, DX
	DECQ         BX
	JNZ          htap

	VPSRAD    $22, Y0, Y0
	VPACKSSDW Y0, Y0, Y0
	VPERMQ    $0x08, Y0, Y0
	VPACKUSWB X0, X0, X0
	VMOVQ     X0, (DI)
	ADDQ      $8, DI
	ADDQ      $8, R12
	DECQ      R13
	JNZ       hchan

	ADDQ $8, R8
	ADDQ $8, R9
	MOVQ ksize+56(FP), AX
	LEAQ (R10)(AX*4), R10
	DECQ CX
	JNZ  hpixel

hdone:
	VZEROUPPER
	RET

// func Horiz8RGB(dst, src *byte, ow int, mins, ns *int, k *int32, ksize int)
// Horiz8 for ch = 3 with the three channels summed side by side: one weight load per tap
// and three independent sums.
TEXT ·Horiz8RGB(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ow+16(FP), CX
	MOVQ mins+24(FP), R8
	MOVQ ns+32(FP), R9
	MOVQ k+40(FP), R10
	MOVQ ksize+48(FP), R11
	SHLQ $2, R11
	MOVL $0x200000, AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	TESTQ CX, CX
	JZ    rdone

rpixel:
	MOVQ    (R8), AX
	LEAQ    (AX)(AX*2), AX
	SHLQ    $3, AX
	ADDQ    SI, AX // the first tap's 24 bytes: 3 channels x 8 rows
	MOVQ    R10, DX
	MOVQ    (R9), BX
	VMOVDQA Y15, Y0
	VMOVDQA Y15, Y1
	VMOVDQA Y15, Y2

rtap:
	VPBROADCASTD (DX), Y3
	VPMOVZXBD    (AX), Y4
	VPMOVZXBD    8(AX), Y5
	VPMOVZXBD    16(AX), Y6
	VPMULLD      Y3, Y4, Y4
	VPMULLD      Y3, Y5, Y5
	VPMULLD      Y3, Y6, Y6
	VPADDD       Y4, Y0, Y0
	VPADDD       Y5, Y1, Y1
	VPADDD       Y6, Y2, Y2
	ADDQ         $24, AX
	ADDQ         $4, DX
	DECQ         BX
	JNZ          rtap

	// Channels 0 and 1 as 16 bytes, channel 2 as 8.
	VPSRAD       $22, Y0, Y0
	VPSRAD       $22, Y1, Y1
	VPSRAD       $22, Y2, Y2
	VPACKSSDW    Y1, Y0, Y0
	VPERMQ       $0xd8, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKUSWB    X1, X0, X0
	VMOVDQU      X0, (DI)
	VPACKSSDW    Y2, Y2, Y2
	VPERMQ       $0x08, Y2, Y2
	VPACKUSWB    X2, X2, X2
	VMOVQ        X2, 16(DI)
	ADDQ         $24, DI

	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ R11, R10
	DECQ CX
	JNZ  rpixel

rdone:
	VZEROUPPER
	RET

// TRANSPOSE8x8W transposes the 8x8 matrix of 16-bit words in X0..X7 (row r in Xr) into
// X8..X15 (column c in X(8+c)), using X0..X7 as scratch.
#define TRANSPOSE8x8W \
	VPUNPCKLWD X1, X0, X8  \
	VPUNPCKHWD X1, X0, X9  \
	VPUNPCKLWD X3, X2, X10 \
	VPUNPCKHWD X3, X2, X11 \
	VPUNPCKLWD X5, X4, X12 \
	VPUNPCKHWD X5, X4, X13 \
	VPUNPCKLWD X7, X6, X14 \
	VPUNPCKHWD X7, X6, X15 \
	VPUNPCKLDQ X10, X8, X0 \
	VPUNPCKHDQ X10, X8, X1 \
	VPUNPCKLDQ X11, X9, X2 \
	VPUNPCKHDQ X11, X9, X3 \
	VPUNPCKLDQ X14, X12, X4 \
	VPUNPCKHDQ X14, X12, X5 \
	VPUNPCKLDQ X15, X13, X6 \
	VPUNPCKHDQ X15, X13, X7 \
	VPUNPCKLQDQ X4, X0, X8  \
	VPUNPCKHQDQ X4, X0, X9  \
	VPUNPCKLQDQ X5, X1, X10 \
	VPUNPCKHQDQ X5, X1, X11 \
	VPUNPCKLQDQ X6, X2, X12 \
	VPUNPCKHQDQ X6, X2, X13 \
	VPUNPCKLQDQ X7, X3, X14 \
	VPUNPCKHQDQ X7, X3, X15

// func TransposeIn8(dst, src *byte, stride, n int)
// dst[i*8+r] = src[r*stride+i] for r < 8 and i < n; n is a multiple of 16.
TEXT ·TransposeIn8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), DX
	MOVQ n+24(FP), CX
	LEAQ (DX)(DX*2), R8 // 3*stride
	LEAQ (DX)(DX*4), R9 // 5*stride
	LEAQ (R8)(R8*1), R10 // 6*stride
	LEAQ (R9)(DX*2), R11 // 7*stride

tiloop:
	CMPQ    CX, $16
	JLT     tidone
	VMOVDQU (SI), X0
	VMOVDQU (SI)(DX*1), X1
	VMOVDQU (SI)(DX*2), X2
	VMOVDQU (SI)(R8*1), X3
	VMOVDQU (SI)(DX*4), X4
	VMOVDQU (SI)(R9*1), X5
	VMOVDQU (SI)(R10*1), X6
	VMOVDQU (SI)(R11*1), X7
	TRANSPOSE8x8W
	VPSHUFB maskEvenOdd<>(SB), X8, X8
	VPSHUFB maskEvenOdd<>(SB), X9, X9
	VPSHUFB maskEvenOdd<>(SB), X10, X10
	VPSHUFB maskEvenOdd<>(SB), X11, X11
	VPSHUFB maskEvenOdd<>(SB), X12, X12
	VPSHUFB maskEvenOdd<>(SB), X13, X13
	VPSHUFB maskEvenOdd<>(SB), X14, X14
	VPSHUFB maskEvenOdd<>(SB), X15, X15
	VMOVDQU X8, (DI)
	VMOVDQU X9, 16(DI)
	VMOVDQU X10, 32(DI)
	VMOVDQU X11, 48(DI)
	VMOVDQU X12, 64(DI)
	VMOVDQU X13, 80(DI)
	VMOVDQU X14, 96(DI)
	VMOVDQU X15, 112(DI)
	ADDQ    $16, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     tiloop

tidone:
	VZEROUPPER
	RET

// func TransposeOut8(dst *byte, stride int, src *byte, n int)
// dst[r*stride+i] = src[i*8+r] for r < 8 and i < n; n is a multiple of 16.
TEXT ·TransposeOut8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	LEAQ (DX)(DX*2), R8
	LEAQ (DX)(DX*4), R9
	LEAQ (R8)(R8*1), R10
	LEAQ (R9)(DX*2), R11

toloop:
	CMPQ    CX, $16
	JLT     todone
	VMOVDQU (SI), X0
	VMOVDQU 16(SI), X1
	VMOVDQU 32(SI), X2
	VMOVDQU 48(SI), X3
	VMOVDQU 64(SI), X4
	VMOVDQU 80(SI), X5
	VMOVDQU 96(SI), X6
	VMOVDQU 112(SI), X7
	VPSHUFB maskInterleave<>(SB), X0, X0
	VPSHUFB maskInterleave<>(SB), X1, X1
	VPSHUFB maskInterleave<>(SB), X2, X2
	VPSHUFB maskInterleave<>(SB), X3, X3
	VPSHUFB maskInterleave<>(SB), X4, X4
	VPSHUFB maskInterleave<>(SB), X5, X5
	VPSHUFB maskInterleave<>(SB), X6, X6
	VPSHUFB maskInterleave<>(SB), X7, X7
	TRANSPOSE8x8W
	VMOVDQU X8, (DI)
	VMOVDQU X9, (DI)(DX*1)
	VMOVDQU X10, (DI)(DX*2)
	VMOVDQU X11, (DI)(R8*1)
	VMOVDQU X12, (DI)(DX*4)
	VMOVDQU X13, (DI)(R9*1)
	VMOVDQU X14, (DI)(R10*1)
	VMOVDQU X15, (DI)(R11*1)
	ADDQ    $128, SI
	ADDQ    $16, DI
	SUBQ    $16, CX
	JMP     toloop

todone:
	VZEROUPPER
	RET
