package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

type partRow struct {
	ID     int64   `sluice:"id"`
	Region *string `sluice:"region"`
	Year   int64   `sluice:"year"`
	Value  float64 `sluice:"value"`
}

// partRows has four regions (one of them null, one needing URI escapes) and two years, of
// very different sizes.
func partRows(n int) []partRow {
	regions := []*string{ptr("eu"), ptr("us west/2"), nil, ptr("ap")}
	rows := make([]partRow, n)
	for i := range rows {
		r := i % 10 // eu 40%, us 30%, null 20%, ap 10%
		var reg *string
		switch {
		case r < 4:
			reg = regions[0]
		case r < 7:
			reg = regions[1]
		case r < 9:
			reg = regions[2]
		default:
			reg = regions[3]
		}
		rows[i] = partRow{ID: int64(i), Region: reg, Year: 2023 + int64(i/10%2), Value: float64(i) / 4}
	}
	return rows
}

func ptr[T any](v T) *T { return &v }

// rowKey prints a row of the source, or of the read-back dataset (partition columns as
// strings), in one form.
func rowKey(id int64, region any, year any, value float64) string {
	return fmt.Sprintf("%d|%v|%v|%g", id, region, year, value)
}

func TestPartitionByRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"parquet", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			c := testContext(t)
			dir := filepath.Join(t.TempDir(), "out")
			src := FromItems(partRows(10_000)).WithContext(c)
			opts := []Option{PartitionBy("region", "year"), MinRowsPerFile(300), MaxRowsPerFile(700)}
			var paths []string
			var err error
			switch format {
			case "parquet":
				paths, err = src.WriteParquet(ctx, dir, opts...)
			case "csv":
				paths, err = src.WriteCSV(ctx, dir, opts...)
			case "json":
				paths, err = src.WriteJSON(ctx, dir, opts...)
			}
			if err != nil {
				t.Fatal(err)
			}
			// Directories: 4 regions x 2 years, escaped as pyarrow escapes them.
			byDir := map[string][]string{}
			for _, p := range paths {
				rel, _ := filepath.Rel(dir, p)
				byDir[filepath.Dir(rel)] = append(byDir[filepath.Dir(rel)], p)
			}
			wantDirs := []string{"region=__HIVE_DEFAULT_PARTITION__/year=2023", "region=__HIVE_DEFAULT_PARTITION__/year=2024",
				"region=ap/year=2023", "region=ap/year=2024", "region=eu/year=2023", "region=eu/year=2024",
				"region=us%20west%2F2/year=2023", "region=us%20west%2F2/year=2024"}
			if got := slices.Sorted(mapKeys(byDir)); fmt.Sprint(got) != fmt.Sprint(wantDirs) {
				t.Fatalf("directories %v, want %v", got, wantDirs)
			}
			readHive := func(p string) *Dataset {
				switch format {
				case "csv":
					return ReadCSV(p, HivePartitioning())
				case "json":
					return ReadJSON(p, HivePartitioning())
				}
				return ReadParquet(p, HivePartitioning())
			}
			read := func(p string) *Dataset {
				switch format {
				case "csv":
					return ReadCSV(p)
				case "json":
					return ReadJSON(p)
				}
				return ReadParquet(p)
			}
			// Min and max rows hold within each directory: all files but one at least 300
			// rows, none more than 700; the partition columns are not in the files.
			for d, ps := range byDir {
				var small int
				for _, p := range ps {
					rows, err := read(p).WithContext(c).TakeAll(ctx, 0)
					if err != nil {
						t.Fatal(err)
					}
					if len(rows) > 700 {
						t.Errorf("%s: %d rows, more than MaxRowsPerFile(700)", p, len(rows))
					}
					if len(rows) < 300 {
						small++
					}
					if _, ok := rows[0]["region"]; ok {
						t.Errorf("%s holds the partition column region", p)
					}
				}
				if small > 1 {
					t.Errorf("%s: %d files under MinRowsPerFile(300)", d, small)
				}
			}
			// Read back with Hive partitioning: the same rows, partition columns as strings
			// (null for the default partition).
			back, err := readHive(dir).WithContext(c).TakeAll(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, r := range back {
				id, _ := r["id"].(int64)
				v, _ := r["value"].(float64)
				got = append(got, rowKey(id, r["region"], r["year"], v))
			}
			for _, r := range partRows(10_000) {
				var reg any
				if r.Region != nil {
					reg = *r.Region
				}
				want = append(want, rowKey(r.ID, reg, fmt.Sprint(r.Year), r.Value))
			}
			sort.Strings(got)
			sort.Strings(want)
			if len(got) != len(want) || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("read back %d rows, want %d; first %v, want %v", len(got), len(want), got[:min(3, len(got))], want[:3])
			}
		})
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// An append adds files into partition directories the dataset already has, and new ones.
func TestPartitionByAppend(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := filepath.Join(t.TempDir(), "out")
	rows := partRows(2_000)
	if _, err := FromItems(rows[:1000]).WithContext(c).WriteParquet(ctx, dir, PartitionBy("year")); err != nil {
		t.Fatal(err)
	}
	more := slices.Clone(rows[1000:])
	for i := range more {
		if i%3 == 0 {
			more[i].Year = 2025 // a new partition
		}
	}
	if _, err := FromItems(more).WithContext(c).WriteParquet(ctx, dir, PartitionBy("year"), Mode(SaveAppend)); err != nil {
		t.Fatal(err)
	}
	n, err := ReadParquet(dir, HivePartitioning()).WithContext(c).Count(ctx)
	if err != nil || n != 2000 {
		t.Fatalf("count %d, %v; want 2000", n, err)
	}
	for _, y := range []string{"2023", "2024", "2025"} {
		n, err := ReadParquet(dir, HivePartitioning()).WithContext(c).Where(Col("year").Eq(Lit(y))).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, r := range append(rows[:1000:1000], more...) {
			if fmt.Sprint(r.Year) == y {
				want++
			}
		}
		if n != int64(want) {
			t.Errorf("year=%s: %d rows, want %d", y, n, want)
		}
	}
}

func TestPartitionByErrors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	src := FromItems(partRows(10)).WithContext(c)
	dir := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{PartitionBy("nope")}, `"nope"`},
		{[]Option{PartitionBy()}, "at least one column"},
		{[]Option{PartitionBy("year", "year")}, "repeated column"},
		{[]Option{PartitionBy("id", "region", "year", "value")}, "every column is a partition column"},
	} {
		_, err := src.WriteParquet(ctx, dir, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %s", tc.opts, err, tc.want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Errorf("failed writes left %d entries in %s", len(ents), dir)
		}
	}
	if _, err := src.WriteNumpy(ctx, dir, "value", PartitionBy("year")); err == nil || !strings.Contains(err.Error(), "PartitionBy") {
		t.Errorf("WriteNumpy with PartitionBy: %v", err)
	}
}

// pyarrow reads the partitioned output as a Hive dataset with the same rows.
func TestPartitionByPyarrow(t *testing.T) {
	if exec.Command("python3", "-c", "import pyarrow.dataset").Run() != nil {
		t.Skip("pyarrow not installed (scripts/install-python-deps.sh)")
	}
	ctx := context.Background()
	c := testContext(t)
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := FromItems(partRows(5_000)).WithContext(c).WriteParquet(ctx, dir, PartitionBy("region", "year"), MaxRowsPerFile(400)); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, pyarrow.dataset as ds
t = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table()
rows = sorted(zip(t["id"].to_pylist(), t["region"].to_pylist(), t["year"].to_pylist(), t["value"].to_pylist()))
print(len(rows))
for r in rows[:3] + rows[-3:]:
    print(*r, sep="|")
print(sorted(set(t["region"].to_pylist()), key=str))
`
	out, err := exec.Command("python3", "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("pyarrow: %v\n%s", err, out)
	}
	want := "5000\n0|eu|2023|0.0\n1|eu|2023|0.25\n2|eu|2023|0.5\n4997|None|2024|1249.25\n4998|None|2024|1249.5\n4999|ap|2024|1249.75\n[None, 'ap', 'eu', 'us west/2']\n"
	if string(out) != want {
		t.Fatalf("pyarrow reads:\n%s\nwant:\n%s", out, want)
	}
}
