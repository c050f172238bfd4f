package glueapi

import (
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/crawl"
)

// The members of CreateClassifier and UpdateClassifier: absent (nil)
// members leave an updated classifier's value alone.
type grokInput struct {
	Name, Classification, GrokPattern, CustomPatterns *string
}

type csvInput struct {
	Name, Delimiter, QuoteSymbol, ContainsHeader *string
	Header                                       []string
	DisableValueTrimming, AllowSingleColumn      *bool
	// tarn's CSV reader types columns itself and has no custom types;
	// Serde is read and ignored, tarn reading CSV with its own reader.
	CustomDatatypeConfigured *bool
	CustomDatatypes          []string
	Serde                    *string
}

type jsonInput struct{ Name, JsonPath *string }

type classifierRequest struct {
	GrokClassifier *grokInput
	CsvClassifier  *csvInput
	JsonClassifier *jsonInput
	XMLClassifier  any
}

// read decodes the request of CreateClassifier or UpdateClassifier,
// checks that exactly one classifier is given and returns its kind and
// name.
func (r *classifierRequest) read(c *call) (string, string, error) {
	if err := c.Decode(r); err != nil {
		return "", "", err
	}
	if r.XMLClassifier != nil {
		return "", "", invalidInput("XMLClassifier: tarn has no XML classifier; use a grok, CSV or JSON classifier.")
	}
	var kinds []string
	var kind string
	var name *string
	if r.GrokClassifier != nil {
		kinds, kind, name = append(kinds, "GrokClassifier"), crawl.KindGrok, r.GrokClassifier.Name
	}
	if r.CsvClassifier != nil {
		kinds, kind, name = append(kinds, "CsvClassifier"), crawl.KindCSV, r.CsvClassifier.Name
	}
	if r.JsonClassifier != nil {
		kinds, kind, name = append(kinds, "JsonClassifier"), crawl.KindJSON, r.JsonClassifier.Name
	}
	if len(kinds) != 1 {
		return "", "", invalidInput("Give exactly one of GrokClassifier, CsvClassifier and JsonClassifier; the request has %d (%s).", len(kinds), strings.Join(kinds, ", "))
	}
	n, err := required(kinds[0]+".Name", name)
	return kind, n, err
}

// text checks a present free-text member's length.
func text(field string, s *string, min, max int) error {
	if s == nil {
		return nil
	}
	if n := utf8.RuneCountInString(*s); n < min || n > max {
		return invalidInput("%s is %d characters long; it must be %d to %d.", field, n, min, max)
	}
	return nil
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// apply sets the members present in r on cl, of the kind r gives.
func (r *classifierRequest) apply(cl *crawl.Classifier) error {
	switch {
	case r.GrokClassifier != nil:
		in := r.GrokClassifier
		if err := text("GrokClassifier.Classification", in.Classification, 1, 255); err != nil {
			return err
		}
		if err := text("GrokClassifier.GrokPattern", in.GrokPattern, 1, 2048); err != nil {
			return err
		}
		if err := text("GrokClassifier.CustomPatterns", in.CustomPatterns, 0, 16000); err != nil {
			return err
		}
		if cl.Grok == nil {
			cl.Grok = &crawl.GrokClassifier{}
		}
		set(&cl.Grok.Classification, in.Classification)
		set(&cl.Grok.GrokPattern, in.GrokPattern)
		set(&cl.Grok.CustomPatterns, in.CustomPatterns)
	case r.CsvClassifier != nil:
		in := r.CsvClassifier
		if in.CustomDatatypeConfigured != nil && *in.CustomDatatypeConfigured || len(in.CustomDatatypes) > 0 {
			return invalidInput("CsvClassifier: tarn's CSV classifier has no custom data types.")
		}
		if err := text("CsvClassifier.Delimiter", in.Delimiter, 1, 1); err != nil {
			return err
		}
		if err := text("CsvClassifier.QuoteSymbol", in.QuoteSymbol, 1, 1); err != nil {
			return err
		}
		if in.ContainsHeader != nil {
			if err := oneOf("CsvClassifier.ContainsHeader", in.ContainsHeader, crawl.HeaderUnknown, crawl.ContainsHeader, crawl.LacksHeader); err != nil {
				return err
			}
		}
		if cl.CSV == nil {
			cl.CSV = &crawl.CSVClassifier{}
		}
		c := cl.CSV
		set(&c.Delimiter, in.Delimiter)
		set(&c.QuoteSymbol, in.QuoteSymbol)
		set(&c.ContainsHeader, in.ContainsHeader)
		if in.Header != nil {
			c.Header = in.Header
		}
		set(&c.DisableValueTrimming, in.DisableValueTrimming)
		set(&c.AllowSingleColumn, in.AllowSingleColumn)
		if c.Delimiter != "" && c.Delimiter == c.QuoteSymbol {
			return invalidInput("CsvClassifier: Delimiter and QuoteSymbol are both %q; they must differ.", c.Delimiter)
		}
	case r.JsonClassifier != nil:
		in := r.JsonClassifier
		if in.JsonPath != nil && !strings.HasPrefix(*in.JsonPath, "$") {
			return invalidInput("JsonClassifier.JsonPath %q must start with $, as in $[*] or $.records[*].", *in.JsonPath)
		}
		if cl.JSON == nil {
			cl.JSON = &crawl.JSONClassifier{}
		}
		set(&cl.JSON.JSONPath, in.JsonPath)
	}
	return nil
}

func (a *API) createClassifier(c *call) (any, error) {
	var req classifierRequest
	kind, name, err := req.read(c)
	if err != nil {
		return nil, err
	}
	switch {
	case kind == crawl.KindGrok && (req.GrokClassifier.Classification == nil || req.GrokClassifier.GrokPattern == nil):
		return nil, invalidInput("GrokClassifier needs Classification and GrokPattern.")
	case kind == crawl.KindJSON && req.JsonClassifier.JsonPath == nil:
		return nil, invalidInput("JsonClassifier.JsonPath is required.")
	}
	cl := crawl.Classifier{Name: name, Kind: kind}
	if err := req.apply(&cl); err != nil {
		return nil, err
	}
	if err := a.crawlerCall(c, access.Write); err != nil {
		return nil, err
	}
	if err := a.crawlers.CreateClassifier(c.Ctx, cl); err != nil {
		return nil, crawlErr(err, "Classifier "+name)
	}
	return struct{}{}, nil
}

// updateClassifier changes only the members present: get, apply, update.
func (a *API) updateClassifier(c *call) (any, error) {
	var req classifierRequest
	kind, name, err := req.read(c)
	if err != nil {
		return nil, err
	}
	if err := a.crawlerCall(c, access.Write); err != nil {
		return nil, err
	}
	cl, err := a.crawlers.GetClassifier(c.Ctx, name)
	if err != nil {
		return nil, crawlErr(err, "Classifier "+name)
	}
	if cl.Kind != kind {
		return nil, invalidInput("Classifier %s is a %s classifier; update it as one, not as %s.", name, cl.Kind, kind)
	}
	if err := req.apply(&cl); err != nil {
		return nil, err
	}
	if err := a.crawlers.UpdateClassifier(c.Ctx, cl); err != nil {
		return nil, crawlErr(err, "Classifier "+name)
	}
	return struct{}{}, nil
}
