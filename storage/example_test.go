package storage_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sluicedata/sluice/storage"
)

// An FS writes objects atomically, lists them page by page and reads them back, here in the
// built-in memory store. With `import _ "github.com/sluicedata/sluice/storage/s3"` the same
// calls take "s3://bucket/...?endpoint=...&use_path_style=true" URLs.
func ExampleFS() {
	ctx := context.Background()
	var fs storage.FS // the zero value is ready; Close frees the buckets it opened
	defer fs.Close()

	for _, name := range []string{"b.csv", "a.csv"} {
		w, err := fs.Create(ctx, "mem://demo/data/"+name)
		if err != nil {
			panic(err)
		}
		io.WriteString(w, "x\n1\n")
		if err := w.Commit(); err != nil { // the object appears only now
			panic(err)
		}
	}
	fs.Walk(ctx, "mem://demo/data", func(o storage.Object) error {
		fmt.Println(o.Path, o.Size)
		return nil
	})
	rc, err := fs.Open(ctx, "mem://demo/data/a.csv")
	if err != nil {
		panic(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	fmt.Printf("%q\n", b)
	// Output:
	// mem://demo/data/a.csv 4
	// mem://demo/data/b.csv 4
	// "x\n1\n"
}

// A URL whose driver is not linked in fails with the import to add.
func ExampleFS_Resolve() {
	var fs storage.FS
	defer fs.Close()
	_, err := fs.Resolve(context.Background(), "gs://bucket/images/")
	fmt.Println(strings.TrimPrefix(err.Error(), "sluice: storage: "))
	// Output:
	// gs://bucket/images/: no storage driver for scheme "gs": add import _ "gocloud.dev/blob/gcsblob" to the program
}

// Prepare applies a save mode to an output prefix before a write.
func ExampleFS_Prepare() {
	ctx := context.Background()
	var fs storage.FS
	defer fs.Close()
	w, _ := fs.Create(ctx, "mem://demo/out/part-0.parquet")
	w.Commit()
	_, err := fs.Prepare(ctx, "mem://demo/out", storage.SaveError)
	fmt.Println(err)
	ok, err := fs.Prepare(ctx, "mem://demo/out", storage.SaveOverwrite)
	fmt.Println(ok, err)
	// Output:
	// sluice: storage: write mem://demo/out: output already exists (save mode error; choose overwrite or append)
	// true <nil>
}
