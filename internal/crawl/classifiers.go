package crawl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
)

// CreateClassifier stores a custom classifier after checking that it
// compiles.
func (s *Service) CreateClassifier(ctx context.Context, c Classifier) error {
	if _, err := compileClassifier(c); err != nil {
		return err
	}
	c.Created, c.Updated, c.Version = s.now(), s.now(), 1
	_, err := s.putDoc(ctx, kindClassifier, c.Name, c, 0)
	if err != nil {
		return fmt.Errorf("classifier %s: %w", c.Name, err)
	}
	return nil
}

// GetClassifier returns a custom classifier.
func (s *Service) GetClassifier(ctx context.Context, name string) (Classifier, error) {
	var c Classifier
	_, err := s.getDoc(ctx, kindClassifier, name, &c)
	return c, notFound("classifier", name, err)
}

// ListClassifiers returns every custom classifier, ordered by name.
func (s *Service) ListClassifiers(ctx context.Context) ([]Classifier, error) {
	docs, err := s.opts.Catalog.ListDocs(ctx, kindClassifier, "")
	if err != nil {
		return nil, err
	}
	out := make([]Classifier, 0, len(docs))
	for _, d := range docs {
		var c Classifier
		if err := json.Unmarshal(d.Body, &c); err != nil {
			return nil, fmt.Errorf("decode classifier %s: %w", d.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// UpdateClassifier replaces a classifier of the same kind.
func (s *Service) UpdateClassifier(ctx context.Context, c Classifier) error {
	if _, err := compileClassifier(c); err != nil {
		return err
	}
	_, err := catalog.UpdateDoc(ctx, s.opts.Catalog, kindClassifier, c.Name, func(cur *Classifier, exists bool) error {
		if !exists {
			return notFound("classifier", c.Name, catalog.ErrNotFound)
		}
		if cur.Kind != c.Kind {
			return fmt.Errorf("%w: classifier %s is a %s classifier, not %s", catalog.ErrInvalid, c.Name, cur.Kind, c.Kind)
		}
		c.Created, c.Updated, c.Version = cur.Created, s.now(), cur.Version+1
		*cur = c
		return nil
	})
	return err
}

// DeleteClassifier deletes a classifier.
func (s *Service) DeleteClassifier(ctx context.Context, name string) error {
	return notFound("classifier", name, s.opts.Catalog.DeleteDoc(ctx, kindClassifier, name))
}

// classifierFunc classifies one file or returns format.ErrNoMatch.
type classifierFunc func(r io.ReaderAt, size int64, opts format.Options) (format.Result, error)

func compileClassifier(c Classifier) (classifierFunc, error) {
	if _, err := catalog.Name("classifier name", c.Name); err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: classifier %s: "+format, append([]any{catalog.ErrInvalid, c.Name}, a...)...)
	}
	switch {
	case c.Kind == KindGrok && c.Grok != nil:
		if c.Grok.Classification == "" {
			return nil, bad("a grok classifier needs a Classification")
		}
		g, err := format.CompileGrok(format.GrokSpec{Classification: c.Grok.Classification, Pattern: c.Grok.GrokPattern, CustomPatterns: c.Grok.CustomPatterns})
		if err != nil {
			return nil, bad("%v", err)
		}
		return g.Classify, nil
	case c.Kind == KindJSON && c.JSON != nil:
		p, err := format.CompileJSONPath(c.JSON.JSONPath)
		if err != nil {
			return nil, bad("%v", err)
		}
		return p.Classify, nil
	case c.Kind == KindCSV && c.CSV != nil:
		spec, err := csvSpec(c.CSV)
		if err != nil {
			return nil, bad("%v", err)
		}
		return func(r io.ReaderAt, size int64, opts format.Options) (format.Result, error) {
			return format.ClassifyCSVSpec(r, size, spec, opts)
		}, nil
	}
	return nil, bad("kind %q with no matching definition (grok, csv or json)", c.Kind)
}

func csvSpec(c *CSVClassifier) (format.CSVSpec, error) {
	one := func(field, v string, def rune) (rune, error) {
		if v == "" {
			return def, nil
		}
		r, n := utf8.DecodeRuneInString(v)
		if n != len(v) {
			return 0, fmt.Errorf("%s %q is not one character", field, v)
		}
		return r, nil
	}
	d, err := one("Delimiter", c.Delimiter, ',')
	if err != nil {
		return format.CSVSpec{}, err
	}
	q, err := one("QuoteSymbol", c.QuoteSymbol, '"')
	if err != nil {
		return format.CSVSpec{}, err
	}
	h := orDefault(c.ContainsHeader, HeaderUnknown)
	if err := oneOf("ContainsHeader", h, ContainsHeader, LacksHeader, HeaderUnknown); err != nil {
		return format.CSVSpec{}, err
	}
	return format.CSVSpec{Delimiter: d, Quote: q, Header: h, Columns: c.Header,
		DisableTrimming: c.DisableValueTrimming, AllowSingleColumn: c.AllowSingleColumn}, nil
}
