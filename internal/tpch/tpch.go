// Package tpch generates TPC-H-like tables (customer, orders, lineitem) deterministically from
// a seed: the bundled data of examples/analytics (testdata/tpch) and the inputs of the
// relational benchmarks. It follows the specification's value rules where a query depends on
// them (order and ship dates, return flags and line statuses from the 1995-06-17 current date,
// prices from part keys, discounts 0-0.10, taxes 0-0.08, a third of the customers without
// orders) and leaves out the text columns no query here reads. It is not dbgen: the same
// scale gives other rows than dbgen's.
package tpch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Customer is a row of the customer table.
type Customer struct {
	CustKey    int64
	Name       string
	NationKey  int32
	AcctBal    float64
	MktSegment string
}

// Order is a row of the orders table.
type Order struct {
	OrderKey      int64
	CustKey       int64
	OrderStatus   string
	TotalPrice    float64
	OrderDate     arrow.Date32
	OrderPriority string
}

// Lineitem is a row of the lineitem table.
type Lineitem struct {
	OrderKey      int64
	PartKey       int64
	LineNumber    int32
	Quantity      float64
	ExtendedPrice float64
	Discount      float64
	Tax           float64
	ReturnFlag    string
	LineStatus    string
	ShipDate      arrow.Date32
}

// Segments are the market segments of customers.
var Segments = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"}

var priorities = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}

// Day is the Date32 of a calendar day.
func Day(y int, m time.Month, d int) arrow.Date32 {
	return arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

var (
	startDate   = Day(1992, 1, 1)
	endDate     = Day(1998, 8, 2) // the last order date (end date - 151 days)
	currentDate = Day(1995, 6, 17)
	// Parts is the number of part keys (200,000 per unit of scale; fixed here).
	parts = int64(200000)
)

// Customers is the number of customers for a number of orders (TPC-H: ten orders per
// customer that has any, and a third have none).
func Customers(orders int) int { return max(3, orders/10) }

// cents rounds to two decimals, as the specification's decimal(15,2) columns hold.
func cents(x float64) float64 { return math.Round(x*100) / 100 }

// partPrice is the retail price of a part (the specification's formula, in dollars).
func partPrice(partKey int64) float64 {
	return float64(90000+(partKey/10)%20001+100*(partKey%1000)) / 100
}

// Generate makes the customers, then each order followed by its one to seven line items,
// calling customer, order and line for each row in key order. Same orders and seed, same rows.
func Generate(orders int, seed uint64, customer func(Customer), order func(Order), line func(Lineitem)) {
	r := rand.New(rand.NewPCG(seed, 0x7470636868))
	nc := Customers(orders)
	for k := 1; k <= nc; k++ {
		c := Customer{
			CustKey:    int64(k),
			Name:       fmt.Sprintf("Customer#%09d", k),
			NationKey:  int32(r.IntN(25)),
			AcctBal:    cents(-999.99 + r.Float64()*(9999.99+999.99)),
			MktSegment: Segments[r.IntN(len(Segments))],
		}
		if customer != nil {
			customer(c)
		}
	}
	var lines []Lineitem
	for i := 0; i < orders; i++ {
		// Order keys are sparse, as in the specification (8 of every 32).
		key := int64(i/8)*32 + int64(i%8) + 1
		cust := int64(1 + r.IntN(nc))
		for cust%3 == 0 {
			cust = int64(1 + r.IntN(nc))
		}
		o := Order{OrderKey: key, CustKey: cust, OrderDate: startDate + arrow.Date32(r.IntN(int(endDate-startDate)+1)),
			OrderPriority: priorities[r.IntN(len(priorities))]}
		lines = lines[:0]
		var total float64
		shipped := 0
		n := 1 + r.IntN(7)
		for l := 1; l <= n; l++ {
			part := int64(1 + r.Int64N(parts))
			qty := float64(1 + r.IntN(50))
			li := Lineitem{
				OrderKey:      key,
				PartKey:       part,
				LineNumber:    int32(l),
				Quantity:      qty,
				ExtendedPrice: cents(qty * partPrice(part)),
				Discount:      float64(r.IntN(11)) / 100,
				Tax:           float64(r.IntN(9)) / 100,
				ShipDate:      o.OrderDate + arrow.Date32(1+r.IntN(121)),
			}
			receipt := li.ShipDate + arrow.Date32(1+r.IntN(30))
			switch {
			case receipt > currentDate:
				li.ReturnFlag = "N"
			case r.IntN(2) == 0:
				li.ReturnFlag = "R"
			default:
				li.ReturnFlag = "A"
			}
			li.LineStatus = "O"
			if li.ShipDate <= currentDate {
				li.LineStatus = "F"
				shipped++
			}
			total += li.ExtendedPrice * (1 + li.Tax) * (1 - li.Discount)
			lines = append(lines, li)
		}
		o.TotalPrice = cents(total)
		switch shipped {
		case len(lines):
			o.OrderStatus = "F"
		case 0:
			o.OrderStatus = "O"
		default:
			o.OrderStatus = "P"
		}
		if order != nil {
			order(o)
		}
		if line != nil {
			for _, li := range lines {
				line(li)
			}
		}
	}
}

// Schemas of the three tables, with TPC-H's column names.
var (
	CustomerSchema = arrow.NewSchema([]arrow.Field{
		{Name: "c_custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c_name", Type: arrow.BinaryTypes.String},
		{Name: "c_nationkey", Type: arrow.PrimitiveTypes.Int32},
		{Name: "c_acctbal", Type: arrow.PrimitiveTypes.Float64},
		{Name: "c_mktsegment", Type: arrow.BinaryTypes.String},
	}, nil)
	OrdersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "o_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "o_custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "o_orderstatus", Type: arrow.BinaryTypes.String},
		{Name: "o_totalprice", Type: arrow.PrimitiveTypes.Float64},
		{Name: "o_orderdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "o_orderpriority", Type: arrow.BinaryTypes.String},
	}, nil)
	LineitemSchema = arrow.NewSchema([]arrow.Field{
		{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_partkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_linenumber", Type: arrow.PrimitiveTypes.Int32},
		{Name: "l_quantity", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_extendedprice", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_discount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_tax", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l_returnflag", Type: arrow.BinaryTypes.String},
		{Name: "l_linestatus", Type: arrow.BinaryTypes.String},
		{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
	}, nil)
)

// Tables builds the three tables as record batches of at most batchRows rows each, allocated
// from mem; the caller releases every batch.
func Tables(mem memory.Allocator, orders int, seed uint64, batchRows int) (customer, ordersT, lineitem []arrow.RecordBatch) {
	cb := array.NewRecordBuilder(mem, CustomerSchema)
	ob := array.NewRecordBuilder(mem, OrdersSchema)
	lb := array.NewRecordBuilder(mem, LineitemSchema)
	defer cb.Release()
	defer ob.Release()
	defer lb.Release()
	cut := func(b *array.RecordBuilder, out *[]arrow.RecordBatch, force bool) {
		if n := b.Field(0).Len(); n > 0 && (force || n >= batchRows) {
			*out = append(*out, b.NewRecordBatch())
		}
	}
	Generate(orders, seed, func(c Customer) {
		cb.Field(0).(*array.Int64Builder).Append(c.CustKey)
		cb.Field(1).(*array.StringBuilder).Append(c.Name)
		cb.Field(2).(*array.Int32Builder).Append(c.NationKey)
		cb.Field(3).(*array.Float64Builder).Append(c.AcctBal)
		cb.Field(4).(*array.StringBuilder).Append(c.MktSegment)
		cut(cb, &customer, false)
	}, func(o Order) {
		ob.Field(0).(*array.Int64Builder).Append(o.OrderKey)
		ob.Field(1).(*array.Int64Builder).Append(o.CustKey)
		ob.Field(2).(*array.StringBuilder).Append(o.OrderStatus)
		ob.Field(3).(*array.Float64Builder).Append(o.TotalPrice)
		ob.Field(4).(*array.Date32Builder).Append(o.OrderDate)
		ob.Field(5).(*array.StringBuilder).Append(o.OrderPriority)
		cut(ob, &ordersT, false)
	}, func(l Lineitem) {
		lb.Field(0).(*array.Int64Builder).Append(l.OrderKey)
		lb.Field(1).(*array.Int64Builder).Append(l.PartKey)
		lb.Field(2).(*array.Int32Builder).Append(l.LineNumber)
		lb.Field(3).(*array.Float64Builder).Append(l.Quantity)
		lb.Field(4).(*array.Float64Builder).Append(l.ExtendedPrice)
		lb.Field(5).(*array.Float64Builder).Append(l.Discount)
		lb.Field(6).(*array.Float64Builder).Append(l.Tax)
		lb.Field(7).(*array.StringBuilder).Append(l.ReturnFlag)
		lb.Field(8).(*array.StringBuilder).Append(l.LineStatus)
		lb.Field(9).(*array.Date32Builder).Append(l.ShipDate)
		cut(lb, &lineitem, false)
	})
	cut(cb, &customer, true)
	cut(ob, &ordersT, true)
	cut(lb, &lineitem, true)
	return customer, ordersT, lineitem
}

// WriteParquet writes customer.parquet, orders.parquet and lineitem.parquet into dir
// (zstd-compressed, one row group per 64 Ki rows).
func WriteParquet(dir string, orders int, seed uint64) error {
	mem := memory.NewGoAllocator()
	c, o, l := Tables(mem, orders, seed, 64<<10)
	defer releaseAll(c)
	defer releaseAll(o)
	defer releaseAll(l)
	for _, t := range []struct {
		name   string
		schema *arrow.Schema
		recs   []arrow.RecordBatch
	}{{"customer", CustomerSchema, c}, {"orders", OrdersSchema, o}, {"lineitem", LineitemSchema, l}} {
		if err := writeFile(filepath.Join(dir, t.name+".parquet"), t.schema, t.recs); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithMaxRowGroupLength(64<<10))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			w.Close()
			return fmt.Errorf("tpch: write %s: %w", path, err)
		}
	}
	return w.Close() // closes f
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}
