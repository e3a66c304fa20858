package memo

import "testing"

// A memo holds at most maxEntries values and maxWeight total weight,
// drops the oldest first, and never keeps a value heavier than the budget.
func TestBounds(t *testing.T) {
	m := New[string, int](2, 10, func(v int) int64 { return int64(v) })
	m.Put("a", 1)
	m.Put("b", 1)
	m.Put("c", 1)
	if _, ok := m.Get("a"); ok {
		t.Fatal("more than maxEntries values kept")
	}
	for _, k := range []string{"b", "c"} {
		if _, ok := m.Get(k); !ok {
			t.Fatalf("%s dropped before the oldest", k)
		}
	}
	m.Put("heavy", 11)
	if _, ok := m.Get("heavy"); ok {
		t.Fatal("a value heavier than the whole budget was kept")
	}
	m.Put("a", 10) // b and c make room
	if v, ok := m.Get("a"); !ok || v != 10 || m.Weight() != 10 || m.Len() != 1 {
		t.Fatalf("after making room: %d entries, weight %d", m.Len(), m.Weight())
	}
	m.Put("a", 3)
	if v, _ := m.Get("a"); v != 10 || m.Weight() != 10 {
		t.Fatal("a second Put replaced the value or miscounted its weight")
	}
}
