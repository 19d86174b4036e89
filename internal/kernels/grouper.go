package kernels

import (
	"bytes"
	"slices"

	"github.com/zeebo/xxh3"
)

// HashKey is the hash of one encoded key. It is deterministic across processes and machines
// (xxh3, no random seed), so a hash partition computed on one worker agrees with another's.
func HashKey(key []byte) uint64 { return xxh3.Hash(key) }

// Grouper numbers the distinct keys it is shown 0, 1, 2, ... in order of first appearance: the
// group ids of a hash aggregation and the build side of a hash join. It keeps a copy of every
// distinct key. The zero value is ready to use; not safe for concurrent use.
//
// A lookup that finds its key costs two cache misses in a table much larger than the cache (the
// slot, then the stored key), as long as every key has the same length (Keys.Width: all key
// columns fixed-width), which is the common case: the keys then sit back to back in the arena
// at id*width, with no offsets to read. The first key of another length switches the grouper to
// an offsets table, for good.
type Grouper struct {
	// slots is an open-addressing table, linear probing, at most half full: each slot holds
	// group id + 1 in its low 32 bits (0: empty) and the top 32 bits of the key's hash in its
	// high ones, so that a probe rejects another key without reading its bytes.
	slots  []uint64
	hashes []uint64 // per group, read only to rebuild slots when the table grows
	arena  []byte   // every group's key, back to back
	// width is the length of every key while varied is false; starts is used once it is true:
	// group g's key is arena[starts[g]:starts[g+1]].
	width  int
	varied bool
	starts []int
}

// Groups is the number of distinct keys seen.
func (g *Grouper) Groups() int { return len(g.hashes) }

// Key is group id's key, aliasing the grouper's memory (valid until the next Assign).
func (g *Grouper) Key(id int) []byte {
	if !g.varied {
		return g.arena[id*g.width : (id+1)*g.width : (id+1)*g.width]
	}
	return g.arena[g.starts[id]:g.starts[id+1]]
}

// Bytes is the memory the grouper holds for its keys and table.
func (g *Grouper) Bytes() int64 {
	return int64(cap(g.arena) + 8*cap(g.slots) + 8*cap(g.hashes) + 8*cap(g.starts))
}

// Assign returns ids with the group of each row of k appended; keys not seen before get new
// ids.
func (g *Grouper) Assign(k *Keys, ids []int32) []int32 {
	n := k.Len()
	ids = slices.Grow(ids, n)
	if w := k.Width; w > 0 && !g.varied && (w == g.width || len(g.hashes) == 0) {
		// Every row has w bytes: no offsets to read.
		data := k.Data[:n*w]
		for i := 0; i < n; i++ {
			key := data[i*w : (i+1)*w : (i+1)*w]
			ids = append(ids, g.assign(key, HashKey(key)))
		}
		return ids
	}
	for i := 0; i < n; i++ {
		key := k.Data[k.Offsets[i]:k.Offsets[i+1]]
		ids = append(ids, g.assign(key, HashKey(key)))
	}
	return ids
}

// AssignKey is Assign for one key.
func (g *Grouper) AssignKey(key []byte) int32 { return g.assign(key, HashKey(key)) }

func (g *Grouper) assign(key []byte, h uint64) int32 {
	if 2*(len(g.hashes)+1) > len(g.slots) {
		g.resize()
	}
	mask := uint64(len(g.slots) - 1)
	tag := h &^ (1<<32 - 1)
	for s := h & mask; ; s = (s + 1) & mask {
		slot := g.slots[s]
		if slot == 0 {
			id := int32(len(g.hashes))
			g.slots[s] = tag | uint64(id+1)
			g.add(key, h)
			return id
		}
		if slot&^(1<<32-1) == tag {
			id := int32(uint32(slot)) - 1
			if bytes.Equal(g.Key(int(id)), key) {
				return id
			}
		}
	}
}

// add stores a new group's key and hash.
func (g *Grouper) add(key []byte, h uint64) {
	switch {
	case len(g.hashes) == 0 && !g.varied:
		g.width = len(key)
	case !g.varied && len(key) != g.width:
		// The first key of another length: from now on, offsets.
		g.varied = true
		g.starts = make([]int, len(g.hashes)+1, 2*len(g.hashes)+2)
		for i := range g.starts {
			g.starts[i] = i * g.width
		}
	}
	g.hashes = append(g.hashes, h)
	g.arena = append(g.arena, key...)
	if g.varied {
		g.starts = append(g.starts, len(g.arena))
	}
}

// Find returns ids with the group of each row of k appended, -1 for keys never assigned.
func (g *Grouper) Find(k *Keys, ids []int32) []int32 {
	n := k.Len()
	for i := 0; i < n; i++ {
		ids = append(ids, g.FindKey(k.Data[k.Offsets[i]:k.Offsets[i+1]]))
	}
	return ids
}

// FindKey is the group of key, or -1.
func (g *Grouper) FindKey(key []byte) int32 {
	if len(g.slots) == 0 {
		return -1
	}
	h := HashKey(key)
	mask := uint64(len(g.slots) - 1)
	tag := h &^ (1<<32 - 1)
	for s := h & mask; ; s = (s + 1) & mask {
		slot := g.slots[s]
		if slot == 0 {
			return -1
		}
		if slot&^(1<<32-1) == tag {
			id := int32(uint32(slot)) - 1
			if bytes.Equal(g.Key(int(id)), key) {
				return id
			}
		}
	}
}

func (g *Grouper) resize() {
	size := max(64, 2*len(g.slots))
	g.slots = make([]uint64, size)
	mask := uint64(size - 1)
	for id, h := range g.hashes {
		s := h & mask
		for g.slots[s] != 0 {
			s = (s + 1) & mask
		}
		g.slots[s] = h&^(1<<32-1) | uint64(id+1)
	}
}

// Order is the group ids in the order of their keys (bytes.Compare): SortIndices over the
// stored keys, radix-sorted.
func (g *Grouper) Order() []int64 {
	k := Keys{Data: g.arena, Offsets: g.starts}
	if !g.varied {
		k.Width = g.width
		k.Offsets = make([]int, len(g.hashes)+1)
		for i := range k.Offsets {
			k.Offsets[i] = i * g.width
		}
	}
	if len(g.hashes) == 0 {
		return nil
	}
	return SortIndices(&k)
}
