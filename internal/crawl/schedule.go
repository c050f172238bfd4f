package crawl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parseSchedule reads Glue's cron expression, "cron(Minutes Hours
// Day-of-month Month Day-of-week Year)", where day-of-week counts 1 (SUN)
// to 7 (SAT) and one of the day fields is "?".
func parseSchedule(expr string) (cron.Schedule, error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(expr), "cron(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return nil, fmt.Errorf("want cron(minutes hours day-of-month month day-of-week year)")
	}
	f := strings.Fields(strings.TrimSuffix(inner, ")"))
	if len(f) != 6 {
		return nil, fmt.Errorf("want 6 fields, have %d", len(f))
	}
	if f[5] != "*" && f[5] != "?" {
		return nil, fmt.Errorf("the year field must be * (tarn schedules every year)")
	}
	for i := range 5 {
		if strings.ContainsAny(f[i], "LW#") && !isName(f[i]) {
			return nil, fmt.Errorf("field %d: L, W and # are not supported", i+1)
		}
		if f[i] == "?" {
			f[i] = "*"
		}
	}
	dow, err := shiftDays(f[4])
	if err != nil {
		return nil, err
	}
	f[4] = dow
	return cron.ParseStandard(strings.Join(f[:5], " "))
}

// isName reports whether a field is made of day or month names, whose
// letters include L and W (JUL, WED).
func isName(s string) bool {
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '-' || r == '/' }) {
		if _, err := strconv.Atoi(part); err == nil || len(part) != 3 {
			return false
		}
	}
	return true
}

// shiftDays turns Glue's 1..7 day numbers into cron's 0..6.
func shiftDays(s string) (string, error) {
	var b strings.Builder
	num := ""
	emit := func() error {
		if num == "" {
			return nil
		}
		n, _ := strconv.Atoi(num)
		if n < 1 || n > 7 {
			return fmt.Errorf("day-of-week %d is not within 1..7", n)
		}
		b.WriteString(strconv.Itoa(n - 1))
		num = ""
		return nil
	}
	afterSlash := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' && !afterSlash:
			num += string(r)
		default:
			if err := emit(); err != nil {
				return "", err
			}
			afterSlash = r == '/' || afterSlash && r >= '0' && r <= '9'
			b.WriteRune(r)
		}
	}
	if err := emit(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// schedule starts scheduled crawlers when their time comes. Every process
// runs it; the compare-and-set in StartCrawler lets one of them win.
func (s *Service) schedule(ctx context.Context) {
	last := s.now()
	t := time.NewTicker(s.opts.ScheduleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		cs, err := s.ListCrawlers(ctx)
		if err != nil {
			s.log.Warn("schedules not read", "err", err)
			continue
		}
		for _, c := range cs {
			sch, err := parseSchedule(c.Schedule)
			if c.Schedule == "" || err != nil || sch.Next(last).After(now) {
				continue
			}
			err = s.StartCrawler(ctx, c.Name)
			switch {
			case err == nil:
				s.log.Info("scheduled crawl started", "crawler", c.Name, "schedule", c.Schedule)
			case !errors.Is(err, ErrRunning) && !errors.Is(err, ErrStopping):
				s.log.Error("scheduled crawl not started", "crawler", c.Name, "err", err)
			}
		}
		last = now
	}
}
