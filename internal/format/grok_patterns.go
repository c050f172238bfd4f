package format

import (
	"strconv"
	"strings"
)

// grokPatterns are the built-in grok patterns a classifier's pattern and
// custom patterns may use, after the commonly used set Glue documents. Each
// is written here from its documented meaning as an RE2 regexp: Go's regexp
// has no lookaround or atomic groups, so boundaries use \b or nothing, which
// is enough because a whole line must match. A custom pattern of the same
// name takes precedence.
var grokPatterns = map[string]string{
	// Names, numbers and words.
	"USERNAME":     `[a-zA-Z0-9._-]+`,
	"USER":         `%{USERNAME}`,
	"INT":          `[+-]?[0-9]+`,
	"BASE10NUM":    `[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)`,
	"NUMBER":       `%{BASE10NUM}`,
	"BASE16NUM":    `[+-]?(?:0x)?[0-9A-Fa-f]+`,
	"POSINT":       `\b[1-9][0-9]*\b`,
	"NONNEGINT":    `\b[0-9]+\b`,
	"WORD":         `\b\w+\b`,
	"NOTSPACE":     `\S+`,
	"SPACE":        `\s*`,
	"DATA":         `.*?`,
	"GREEDYDATA":   `.*`,
	"QUOTEDSTRING": `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`(?:[^`\\\\]|\\\\.)*`",
	"QS":           `%{QUOTEDSTRING}`,
	"UUID":         `[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}`,

	// Networking.
	"IPV4":         `(?:` + ipv4Octet + `\.){3}` + ipv4Octet,
	"IPV6":         ipv6Pattern(),
	"IP":           `%{IPV6}|%{IPV4}`,
	"HOSTNAME":     `[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?(?:\.[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?)*\.?`,
	"IPORHOST":     `%{IP}|%{HOSTNAME}`,
	"HOSTPORT":     `%{IPORHOST}:%{POSINT}`,
	"MAC":          `(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}|(?:[0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}`,
	"PATH":         `%{UNIXPATH}|%{WINPATH}`,
	"UNIXPATH":     `(?:/[\w%!$@:.,+~-]*)+`,
	"WINPATH":      `(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+`,
	"URIPROTO":     `[A-Za-z][A-Za-z0-9+.-]*`,
	"URIHOST":      `%{IPORHOST}(?::%{POSINT})?`,
	"URIPATH":      `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+`,
	"URIPARAM":     `\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>^-]*`,
	"URIPATHPARAM": `%{URIPATH}(?:%{URIPARAM})?`,
	"URI":          `%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?`,

	// Dates and times.
	"MONTH": `\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|` +
		`[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\b`,
	"MONTHNUM": `0?[1-9]|1[0-2]`,
	"MONTHDAY": `0[1-9]|[12][0-9]|3[01]|[1-9]`,
	"DAY": `\b(?:[Mm]on(?:day)?|[Tt]ue(?:sday)?|[Ww]ed(?:nesday)?|[Tt]hu(?:rsday)?|[Ff]ri(?:day)?|` +
		`[Ss]at(?:urday)?|[Ss]un(?:day)?)\b`,
	"YEAR":             `[0-9]{2}(?:[0-9]{2})?`,
	"HOUR":             `2[0-3]|[01]?[0-9]`,
	"MINUTE":           `[0-5][0-9]`,
	"SECOND":           `(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?`, // 60 is a leap second
	"TIME":             `%{HOUR}:%{MINUTE}(?::%{SECOND})?`,
	"DATE_US":          `%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}`,
	"DATE_EU":          `%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}`,
	"ISO8601_TIMEZONE": `Z|[+-]%{HOUR}(?::?%{MINUTE})?`,
	"TIMESTAMP_ISO8601": `%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?` +
		`(?:%{ISO8601_TIMEZONE})?`,
	"DATE":            `%{DATE_US}|%{DATE_EU}`,
	"DATESTAMP":       `%{DATE}[- ]%{TIME}`,
	"TZ":              `[A-Z]{3,4}`,
	"HTTPDATE":        `%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}`,
	"SYSLOGTIMESTAMP": `%{MONTH} +%{MONTHDAY} %{TIME}`,

	// Logs.
	"PROG":           `[^\s\[\]]+`,
	"SYSLOGPROG":     `%{PROG:program}(?:\[%{POSINT:pid}\])?`,
	"SYSLOGHOST":     `%{IPORHOST}`,
	"SYSLOGFACILITY": `<%{NONNEGINT:facility}\.%{NONNEGINT:priority}>`,
	"SYSLOGBASE":     `%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:`,
	"LOGLEVEL": `[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|` +
		`[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|` +
		`[Ff]atal|FATAL|[Ss]evere|SEVERE|[Ee]merg(?:ency)?|EMERG(?:ENCY)?`,
	"COMMONAPACHELOG": `%{IPORHOST:clientip} %{USER:ident} %{USER:auth} \[%{HTTPDATE:timestamp}\] ` +
		`"(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" ` +
		`%{NUMBER:response} (?:%{NUMBER:bytes}|-)`,
	"COMBINEDAPACHELOG": `%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}`,
}

const ipv4Octet = `(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])`

// ipv6Pattern spells the textual IPv6 forms of RFC 4291: eight groups of hex,
// or fewer around one "::", the last 32 bits optionally as dotted IPv4, and
// an optional zone ("%eth0"). Writing every split of the groups out keeps the
// regexp free of lookaround.
func ipv6Pattern() string {
	const h = `[0-9A-Fa-f]{1,4}`
	ipv4 := `(?:` + ipv4Octet + `\.){3}` + ipv4Octet
	// groups(n) is n groups joined by ':'; upTo(n) is 0..n of them.
	groups := func(n int) string {
		switch n {
		case 0:
			return ""
		case 1:
			return h
		}
		return h + `(?::` + h + `){` + strconv.Itoa(n-1) + `}`
	}
	upTo := func(n int) string {
		if n == 0 {
			return ""
		}
		return `(?:` + h + `(?::` + h + `){0,` + strconv.Itoa(n-1) + `})?`
	}
	alts := []string{groups(8), groups(6) + `:` + ipv4}
	for left := 0; left <= 7; left++ {
		// left groups, "::", then at most 7-left groups in all...
		alts = append(alts, groups(left)+`::`+upTo(7-left))
		// ...or at most 5-left groups and an IPv4 tail.
		if left <= 5 {
			tail := ipv4
			if n := 5 - left; n > 0 {
				tail = `(?:` + h + `:){0,` + strconv.Itoa(n) + `}` + ipv4
			}
			alts = append(alts, groups(left)+`::`+tail)
		}
	}
	return `(?:` + strings.Join(alts, `|`) + `)(?:%[0-9A-Za-z]+)?`
}
