package data

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// HivePartitioning adds a string column for every key=value directory between an input
// directory and its files (year=2024/month=05/part.parquet gives columns year and month), as
// Ray and pyarrow read Hive-partitioned datasets.
func HivePartitioning() Option {
	return opt("HivePartitioning", func(c *config) error { c.hive = true; return nil })
}

// partitioning is what a file source adds from each file's directories.
type partitioning struct {
	names []string // directory partitioning: one name per level
	hive  bool
}

func (p partitioning) on() bool { return len(p.names) > 0 || p.hive }

// values returns the partition columns of the file at path, found under one of roots (the
// resolved input paths).
func (p partitioning) values(roots []string, path string) (names, values []string) {
	dirs := relDirs(roots, path)
	for i, n := range p.names {
		v := ""
		if i < len(dirs) {
			v = dirs[i]
		}
		names, values = append(names, n), append(values, v)
	}
	if p.hive {
		for _, d := range dirs {
			if k, v, ok := strings.Cut(d, "="); ok && k != "" {
				if u, err := url.PathUnescape(v); err == nil {
					v = u // pyarrow and PartitionBy escape values as URI segments
				}
				names, values = append(names, k), append(values, v)
			}
		}
	}
	return names, values
}

// hiveNull is the directory value of a null partition key (Hive's, pyarrow's and Spark's
// default): the partition column reads as null there.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// hiveSegment is the directory of one partition value, key=value with the value escaped as
// a URI segment (every byte but A-Z a-z 0-9 - . _ ~ as %XX, as Arrow's HivePartitioning
// writes it), or key=__HIVE_DEFAULT_PARTITION__ for a null.
func hiveSegment(key string, value string, null bool) string {
	if null {
		return key + "=" + hiveNull
	}
	var b strings.Builder
	b.WriteString(key)
	b.WriteByte('=')
	for i := 0; i < len(value); i++ {
		c := value[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// relDirs lists the directories between the input root a file was found under and the file.
func relDirs(roots []string, path string) []string {
	for _, root := range roots {
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		if rel == "." {
			return nil
		}
		return strings.Split(rel, string(filepath.Separator))
	}
	return nil
}

// withPartitions appends the partition columns of path to rec (one value repeated per row);
// it releases rec.
func (p partitioning) withPartitions(mem memory.Allocator, rec arrow.RecordBatch, roots []string, path string) arrow.RecordBatch {
	names, values := p.values(roots, path)
	if len(names) == 0 {
		return rec
	}
	defer rec.Release()
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	var made []arrow.Array
	for i, n := range names {
		b := array.NewStringBuilder(mem)
		for r := int64(0); r < rec.NumRows(); r++ {
			if p.hive && values[i] == hiveNull {
				b.AppendNull()
			} else {
				b.Append(values[i])
			}
		}
		a := b.NewArray()
		b.Release()
		made = append(made, a)
		fields = append(fields, arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true})
		cols = append(cols, a)
	}
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
	for _, a := range made {
		a.Release()
	}
	return out
}
