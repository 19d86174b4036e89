package sqlio

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// Shard is one of the queries a sharded read runs, each in its own task.
type Shard struct {
	Query string
	// Origin names the shard in errors and Explain: `id in [0, 250)`.
	Origin string
}

// KeyShards splits query into n queries over ranges of the integer column key, from the
// key's minimum and maximum in the result (one query first: SELECT min, max). The ranges are
// equal in width, so shards are balanced when the keys are spread evenly (an id sequence);
// rows whose key is NULL go to the first shard. key is written into the SQL as given: quote
// it there if it needs quoting. An empty result gives one shard, the query itself.
func KeyShards(ctx context.Context, db *sql.DB, query, key string, n int, o ReadOptions) ([]Shard, error) {
	d := o.dialect(db)
	if n < 1 {
		return nil, errorf("read_sql", d, QuerySubject(query), "%d shards: must be at least 1", n)
	}
	inner := "SELECT * FROM (" + Trim(query) + ") AS sluice_q"
	var lo, hi sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT min("+key+"), max("+key+") FROM ("+Trim(query)+") AS sluice_q", o.Args...).Scan(&lo, &hi)
	if err != nil {
		return nil, wrapf("read_sql", d, QuerySubject(query), err, "shard key %s (it must be an integer column)", key)
	}
	if !lo.Valid {
		return []Shard{{Query: query, Origin: fmt.Sprintf("%s (no key values)", QuerySubject(query))}}, nil
	}
	// Widths in uint64: max-min of two int64s does not overflow there.
	span := uint64(hi.Int64) - uint64(lo.Int64)
	width := span/uint64(n) + 1
	if span/uint64(n) == 0 {
		width = 1
	}
	var shards []Shard
	for i := 0; i < n; i++ {
		start := uint64(lo.Int64) + uint64(i)*width
		if i > 0 && (start-uint64(lo.Int64) > span || uint64(i)*width/uint64(i) != width) {
			break // fewer distinct keys than shards
		}
		from := int64(start)
		last := i == n-1 || span-(start-uint64(lo.Int64)) < width
		var where, origin string
		if last {
			where = key + " >= " + strconv.FormatInt(from, 10)
			origin = fmt.Sprintf("%s in [%d, %d]", key, from, hi.Int64)
		} else {
			to := int64(start + width)
			where = key + " >= " + strconv.FormatInt(from, 10) + " AND " + key + " < " + strconv.FormatInt(to, 10)
			origin = fmt.Sprintf("%s in [%d, %d)", key, from, to)
		}
		if i == 0 {
			where = "(" + where + ") OR " + key + " IS NULL"
		}
		shards = append(shards, Shard{Query: inner + " WHERE " + where, Origin: QuerySubject(query) + " " + origin})
		if last {
			break
		}
	}
	return shards, nil
}
