// Package crawl runs crawlers: it lists a lake prefix, classifies a sample
// of its files (custom classifiers first, then the built-in ones of package
// format), merges their schemas, groups them into tables with partitions as
// Glue's crawlers do, and writes the result into the catalog under the
// crawler's schema change policy. Crawler and classifier definitions, run
// history and recrawl state live in the catalog store too, so that several
// tarn processes sharing a store share them.
package crawl
