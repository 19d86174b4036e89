package tpch

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestRules checks the specification's value rules the queries depend on.
func TestRules(t *testing.T) {
	orders := map[int64]Order{}
	custs := map[int64]bool{}
	var lines int
	Generate(2000, 7, func(c Customer) { custs[c.CustKey] = true }, func(o Order) {
		if o.CustKey%3 == 0 || !custs[o.CustKey] {
			t.Fatalf("order %d has customer %d", o.OrderKey, o.CustKey)
		}
		if o.OrderDate < startDate || o.OrderDate > endDate {
			t.Fatalf("order date %v", o.OrderDate)
		}
		orders[o.OrderKey] = o
	}, func(l Lineitem) {
		lines++
		o, ok := orders[l.OrderKey]
		if !ok {
			t.Fatalf("line item of unknown order %d", l.OrderKey)
		}
		if d := l.ShipDate - o.OrderDate; d < 1 || d > 121 {
			t.Fatalf("shipped %d days after the order", d)
		}
		// Received 1-30 days after shipping: N (not returned yet) exactly when after the current date.
		if (l.LineStatus == "F") != (l.ShipDate <= currentDate) ||
			l.ShipDate >= currentDate && l.ReturnFlag != "N" || l.ShipDate+30 <= currentDate && l.ReturnFlag == "N" {
			t.Fatalf("status %s flag %s for ship date %v", l.LineStatus, l.ReturnFlag, l.ShipDate)
		}
		if l.Discount < 0 || l.Discount > 0.10 || l.Tax < 0 || l.Tax > 0.08 || l.Quantity < 1 || l.Quantity > 50 {
			t.Fatalf("line %+v", l)
		}
	})
	if len(custs) != Customers(2000) || len(orders) != 2000 || lines < 4*2000*3/4 || lines > 4*2000*5/4 {
		t.Fatalf("%d customers, %d orders, %d lines", len(custs), len(orders), lines)
	}
}

func TestTables(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c, o, l := Tables(mem, 1000, 1, 1000)
	defer releaseAll(c)
	defer releaseAll(o)
	defer releaseAll(l)
	var n int64
	for _, r := range l {
		n += r.NumRows()
		if r.NumRows() > 1000 || !r.Schema().Equal(LineitemSchema) {
			t.Fatalf("batch of %d rows, schema %v", r.NumRows(), r.Schema())
		}
	}
	var want int64
	Generate(1000, 1, nil, nil, func(Lineitem) { want++ })
	if n != want || len(o) != 1 || o[0].NumRows() != 1000 || len(c) != 1 || c[0].NumRows() != int64(Customers(1000)) {
		t.Fatalf("%d line items (want %d), %d order batches, %d customer batches", n, want, len(o), len(c))
	}
}
