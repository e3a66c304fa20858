package policy

import "testing"

// Lists in messages name at most max items and count the rest.
func TestListText(t *testing.T) {
	for _, tc := range []struct {
		items []string
		want  string
	}{
		{[]string{"a", "b"}, "a, b"},
		{[]string{"a", "b", "c"}, "a, b, c"},
		{[]string{"a", "b", "c", "d"}, "a, b, c and 1 more"},
		{[]string{"a", "b", "c", "d", "e"}, "a, b, c and 2 more"},
	} {
		if got := listText(tc.items, 3); got != tc.want {
			t.Errorf("listText(%q, 3) = %q, want %q", tc.items, got, tc.want)
		}
	}
}
