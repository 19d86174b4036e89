// Command gentpch writes the TPC-H-like tables of package tpch as Parquet files: the bundled
// data of examples/analytics is
//
//	go run ./internal/tpch/gentpch -out testdata/tpch -orders 1500 -seed 1
package main

import (
	"flag"
	"log"
	"os"

	"github.com/sluicedata/sluice/internal/tpch"
)

func main() {
	out := flag.String("out", "testdata/tpch", "directory for customer.parquet, orders.parquet and lineitem.parquet")
	orders := flag.Int("orders", 1500, "number of orders (about four line items each, a tenth as many customers)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := tpch.WriteParquet(*out, *orders, *seed); err != nil {
		log.Fatal(err)
	}
}
