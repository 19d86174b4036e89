package sluice

import (
	_ "github.com/apache/arrow-go/v18/arrow"
	_ "github.com/apache/arrow-go/v18/arrow/csv"
	_ "github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "go.uber.org/goleak"
	_ "golang.org/x/image/webp"
	_ "golang.org/x/image/draw"
	_ "golang.org/x/sync/errgroup"
)
