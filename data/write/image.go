package write

import (
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/tensor"
)

// Image is the PNG or JPEG format for one HWC uint8 tensor column (1, 3 or 4 channels), one
// image per file: use it with FilesOptions.MaxRowsPerFile = 1 (Ray's write_images).
func Image(column, format string) (Format, error) {
	switch format {
	case "png", "jpeg", "jpg":
	default:
		return nil, fmt.Errorf("sluice: write_images: format %q: want png or jpeg", format)
	}
	return imageFormat{column: column, format: format}, nil
}

type imageFormat struct{ column, format string }

func (f imageFormat) Ext() string { return f.format }

func (f imageFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	idx := schema.FieldIndices(f.column)
	if len(idx) == 0 {
		return nil, fmt.Errorf("sluice: write_images: no column %q (columns: %v)", f.column, schema)
	}
	if !tensor.IsTensorType(schema.Field(idx[0]).Type) {
		return nil, fmt.Errorf("sluice: write_images: column %q is %s, not an image tensor", f.column, schema.Field(idx[0]).Type)
	}
	return &imageWriter{w: w, col: idx[0], f: f}, nil
}

type imageWriter struct {
	w       io.Writer
	col     int
	f       imageFormat
	written bool
}

func (iw *imageWriter) Write(rec arrow.RecordBatch) error {
	for i := 0; i < int(rec.NumRows()); i++ {
		if iw.written {
			return fmt.Errorf("sluice: write_images: one image per file (set MaxRowsPerFile to 1)")
		}
		t, err := tensor.RowTensor(rec.Column(iw.col), i)
		if err != nil {
			return fmt.Errorf("sluice: write_images: column %q: %w", iw.f.column, err)
		}
		img, err := toImage(t)
		if err != nil {
			return fmt.Errorf("sluice: write_images: column %q: %w", iw.f.column, err)
		}
		if iw.f.format == "png" {
			err = png.Encode(iw.w, img)
		} else {
			err = jpeg.Encode(iw.w, img, &jpeg.Options{Quality: 95})
		}
		if err != nil {
			return fmt.Errorf("sluice: write_images: %w", err)
		}
		iw.written = true
	}
	return nil
}

func (iw *imageWriter) Close() error { return nil }

// toImage wraps an HWC uint8 tensor as an image.Image (copying into Go's pixel layout).
func toImage(t tensor.Tensor) (image.Image, error) {
	if t.DType.ID() != arrow.UINT8 || len(t.Shape) != 3 {
		return nil, fmt.Errorf("want an HWC uint8 image, got %v %v", t.DType, t.Shape)
	}
	h, w, c := t.Shape[0], t.Shape[1], t.Shape[2]
	v, err := tensor.ViewOf[uint8](t)
	if err != nil {
		return nil, err
	}
	switch c {
	case 1:
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Pix[y*img.Stride+x] = v.At(y, x, 0)
			}
		}
		return img, nil
	case 3, 4:
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := img.Pix[y*img.Stride+4*x:]
				p[0], p[1], p[2], p[3] = v.At(y, x, 0), v.At(y, x, 1), v.At(y, x, 2), 255
				if c == 4 {
					p[3] = v.At(y, x, 3)
				}
			}
		}
		return img, nil
	}
	return nil, fmt.Errorf("%d channels: want 1, 3 or 4", c)
}
