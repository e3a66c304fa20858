// Package memo is a bounded, concurrency-safe map for results that never
// go stale: content read against its digest, and what was found in it.
// Entries leave oldest first when the entry count or the total weight
// would pass its bound.
package memo

import "sync"

// Memo maps keys to values within MaxEntries entries and MaxWeight total
// weight. Values it returns are shared: callers must not modify them.
type Memo[K comparable, V any] struct {
	mu         sync.Mutex
	maxEntries int
	maxWeight  int64
	weigh      func(V) int64
	weight     int64
	order      []K // insertion order, oldest first
	entries    map[K]V
}

// New returns an empty Memo; weigh gives a value's weight (bytes, items).
func New[K comparable, V any](maxEntries int, maxWeight int64, weigh func(V) int64) *Memo[K, V] {
	return &Memo[K, V]{maxEntries: maxEntries, maxWeight: maxWeight, weigh: weigh, entries: map[K]V{}}
}

// Get returns the value remembered for k.
func (m *Memo[K, V]) Get(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.entries[k]
	return v, ok
}

// Put remembers v for k, dropping the oldest entries to make room. A value
// heavier than MaxWeight is not kept; a key already present keeps its value.
func (m *Memo[K, V]) Put(k K, v V) {
	w := m.weigh(v)
	if w > m.maxWeight {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[k]; ok {
		return
	}
	for len(m.order) > 0 && (len(m.order) >= m.maxEntries || m.weight+w > m.maxWeight) {
		oldest := m.order[0]
		m.order = m.order[1:]
		m.weight -= m.weigh(m.entries[oldest])
		delete(m.entries, oldest)
	}
	m.order = append(m.order, k)
	m.entries[k] = v
	m.weight += w
}

// Len is the number of values held.
func (m *Memo[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Weight is the total weight of the values held.
func (m *Memo[K, V]) Weight() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.weight
}
