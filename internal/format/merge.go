package format

// numericRank orders the types Glue widens into one another: integers grow
// into bigint, and any mix with a fraction becomes double.
var numericRank = map[Kind]int{
	KindTinyint: 1, KindSmallint: 2, KindInt: 3, KindBigint: 4, KindFloat: 5, KindDouble: 6,
}

// Merge returns the narrowest type holding values of both a and b, widening
// as a Glue crawler does. ok is false when they conflict (struct vs bigint,
// boolean vs int...); the result is then string, which holds anything.
func Merge(a, b Type) (Type, bool) {
	switch {
	case a.Kind == KindInvalid:
		return b, true
	case b.Kind == KindInvalid:
		return a, true
	case a.Kind == KindString || b.Kind == KindString:
		return scalar(KindString), true
	case a.Kind == b.Kind:
		return mergeSame(a, b)
	}
	ra, rb := numericRank[a.Kind], numericRank[b.Kind]
	switch {
	case ra > 0 && rb > 0:
		if max(ra, rb) <= numericRank[KindBigint] {
			// tinyint and smallint widen to int first, as Glue does.
			return scalar(maxKind(a.Kind, b.Kind, KindInt)), true
		}
		return scalar(KindDouble), true
	case a.Kind == KindDecimal && rb > 0, b.Kind == KindDecimal && ra > 0:
		// An exact decimal next to a binary number loses exactness either
		// way; double keeps the range.
		return scalar(KindDouble), true
	case a.Kind == KindDate && b.Kind == KindTimestamp, a.Kind == KindTimestamp && b.Kind == KindDate:
		return scalar(KindTimestamp), true
	}
	return scalar(KindString), false
}

func maxKind(ks ...Kind) Kind {
	m := ks[0]
	for _, k := range ks[1:] {
		if numericRank[k] > numericRank[m] {
			m = k
		}
	}
	return m
}

func mergeSame(a, b Type) (Type, bool) {
	switch a.Kind {
	case KindDecimal:
		// Keep enough integer and fraction digits for both, capped at 38.
		scale := max(a.Scale, b.Scale)
		prec := max(a.Precision-a.Scale, b.Precision-b.Scale) + scale
		if prec > maxPrecision {
			prec = maxPrecision
			scale = min(scale, prec)
		}
		return decimalOf(prec, scale), true
	case KindArray:
		e, ok := Merge(*a.Elem, *b.Elem)
		return arrayOf(e), ok
	case KindMap:
		k, ok1 := Merge(*a.Key, *b.Key)
		v, ok2 := Merge(*a.Elem, *b.Elem)
		return mapOf(k, v), ok1 && ok2
	case KindStruct:
		if a.Equal(b) { // records of one file mostly are
			return a, true
		}
		f, ok := mergeColumns(a.Fields, b.Fields)
		return structOf(f...), ok
	}
	return a, true
}

// mergeColumns merges by name, keeping a's order and appending b's new names
// in the order they first appear.
func mergeColumns(a, b []Column) ([]Column, bool) {
	out := make([]Column, len(a), len(a)+len(b))
	copy(out, a)
	idx := make(map[string]int, len(a))
	for i, c := range a {
		idx[c.Name] = i
	}
	ok := true
	for _, c := range b {
		i, found := idx[c.Name]
		if !found {
			idx[c.Name] = len(out)
			out = append(out, c)
			continue
		}
		t, fine := Merge(out[i].Type, c.Type)
		out[i].Type = t
		ok = ok && fine
	}
	return out, ok
}

// Merge combines two schemas of the same table: columns merge by name and new
// columns are appended in order of first appearance. ok is false when some
// column's types conflicted; that column is then string.
func (s Schema) Merge(o Schema) (Schema, bool) {
	c, ok := mergeColumns(s, o)
	return Schema(c), ok
}
