package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"mcu/workflow"
)

// The head's daily digest: its text (digestText) and the words of its
// chart. Written to be read on a phone in a minute: what came since the
// last digest, what is open and late, and the quality of 30 days beside
// the 30 before and the federal targets.

// Words of the digest's chart.
const (
	chartTitle        = "Открытые и просроченные обращения"
	chartOpen         = "открыто"
	chartOverdue      = "просрочено"
	digestNoDirection = "Без направления"
	// digestNoDirectionInline is triage inside a line.
	digestNoDirectionInline = "без направления"
)

// digestText is the text of the digest d, dates in loc.
func digestText(d workflow.Digest, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "📊 Сводка на %s\n", d.Now.In(loc).Format("02.01.2006, 15:04"))
	fmt.Fprintf(&b, "С прошлой сводки (%s):\n", d.Since.In(loc).Format("02.01, 15:04"))
	fmt.Fprintf(&b, "новых — %d, дан ответ — %d, закрыто — %d\n", d.New, d.Answered, d.Closed)
	for _, f := range d.Directions {
		if f.New > 0 {
			fmt.Fprintf(&b, "• %s — %d\n", ShortDirection(f), f.New)
		}
	}
	b.WriteString(incidentLine(d.Incidents))
	b.WriteString("\n")
	if d.Overdue == 0 {
		fmt.Fprintf(&b, "В работе — %d, просроченных нет.\n", d.Open)
	} else {
		fmt.Fprintf(&b, "В работе — %d, из них просрочено — %d:\n", d.Open, d.Overdue)
	}
	for _, a := range d.Worst {
		fmt.Fprintf(&b, "• %s · %s · %d дн.\n", a.Number, digestDirection(d, a.Direction), a.DaysLate)
	}
	if more := d.Overdue - len(d.Worst); more > 0 && len(d.Worst) > 0 {
		fmt.Fprintf(&b, "…и ещё %d\n", more)
	}
	b.WriteString(escalationLine(d))
	fmt.Fprintf(&b, "Срок истекает в ближайшие %d раб. %s (до %s): %d\n", workflow.DigestDueSoonWorkdays,
		plural(workflow.DigestDueSoonWorkdays, "день", "дня", "дней"), d.DueBy.In(loc).Format("02.01"), d.DueSoon)
	b.WriteString("\nЗа 30 дней (▲▼ — к 30 дням до них):\n")
	b.WriteString(indicatorLine("Срок ответа", "нет ответов", d.AnswerTime, workdays))
	b.WriteString(indicatorLine("В срок", "нет ответов", d.OnTime, percent))
	b.WriteString(indicatorLine("Оценки 4–5", "нет оценок", d.GoodRatings, percent))
	b.WriteString(indicatorLine("Возобновлено", "нет ответов", d.Reopens, reopenRate))
	return strings.TrimRight(b.String(), "\n")
}

// incidentLine is the line of incidents, "" when none is open and none
// was made or answered since the last digest: «Инциденты: в работе — 1
// (обращений — 2), новых — 2, с ответом — 1».
func incidentLine(f workflow.IncidentFigures) string {
	if !f.Any() {
		return ""
	}
	s := fmt.Sprintf("Инциденты: в работе — %d", f.Open)
	if f.Open > 0 {
		s += fmt.Sprintf(" (обращений — %d)", f.Appeals)
	}
	if f.Made > 0 {
		s += fmt.Sprintf(", новых — %d", f.Made)
	}
	if f.Answered > 0 {
		s += fmt.Sprintf(", с ответом — %d", f.Answered)
	}
	return s + "\n"
}

// escalationLine is the line of the appeals escalated since the last
// digest, "" when there were none: how many, the first of them with
// their direction and, for an appeal of 59-ФЗ left in triage, why, then
// «…и ещё N».
func escalationLine(d workflow.Digest) string {
	if d.Escalated == 0 {
		return ""
	}
	s := fmt.Sprintf("Эскалировано с прошлой сводки: %d", d.Escalated)
	items := make([]string, len(d.Escalations))
	for i, e := range d.Escalations {
		where := digestDirection(d, e.Direction)
		if e.Direction == "" {
			where = digestNoDirectionInline
		}
		if e.Redirect {
			where += ", 59-ФЗ: не переадресовано"
		}
		items[i] = e.Number + " (" + where + ")"
	}
	if len(items) > 0 {
		s += " — " + strings.Join(items, ", ")
	}
	if more := d.Escalated - len(d.Escalations); more > 0 && len(d.Escalations) > 0 {
		s += fmt.Sprintf(" …и ещё %d", more)
	}
	return s + "\n"
}

// figureFormat formats a quality figure: the figure itself (full, with
// its unit) and the previous period's and the target beside it (short).
type figureFormat struct {
	full, short func(float64) string
}

var (
	workdays = figureFormat{
		full:  func(v float64) string { return decimal(v, 1) + " раб. дн." },
		short: func(v float64) string { return decimal(v, -1) },
	}
	percent    = figureFormat{full: percentOf, short: percentOf}
	reopenRate = figureFormat{
		full:  func(v float64) string { return percentOf(v) + " ответов" },
		short: percentOf,
	}
)

// indicatorLine is a line of a quality figure: its value, how it moved
// against the previous period (▲ up, ▼ down, = the same), and its target
// with a mark of whether it is met.
func indicatorLine(name, none string, i workflow.Indicator, f figureFormat) string {
	if !i.Known {
		return fmt.Sprintf("• %s: %s\n", name, none)
	}
	s := fmt.Sprintf("• %s: %s", name, f.full(i.Value))
	switch i.Trend() {
	case workflow.TrendUp:
		s += " ▲ с " + f.short(i.Previous)
	case workflow.TrendDown:
		s += " ▼ с " + f.short(i.Previous)
	case workflow.TrendSame:
		s += " ="
	}
	if i.HasTarget() {
		rel := "≥ "
		switch {
		case i.LowerIsBetter:
			rel = "≤ "
		case i.Target == 100:
			rel = ""
		}
		mark := "⚠️"
		if i.Met() {
			mark = "✅"
		}
		s += fmt.Sprintf(" — цель %s%s %s", rel, f.short(i.Target), mark)
	}
	return s + "\n"
}

// decimal formats v with a decimal comma and prec digits after it (-1:
// as few as needed).
func decimal(v float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', prec, 64), ".", ",", 1)
}

// percentOf formats a share in percent: «75 %».
func percentOf(v float64) string { return decimal(v, 0) + " %" }

// ShortDirection is a direction's name as the digest and its chart show
// it: up to the first comma («Безопасность, социальная политика, …» is
// «Безопасность»), and «Без направления» for triage.
func ShortDirection(f workflow.DirectionFigures) string {
	if f.Code == "" {
		return digestNoDirection
	}
	name, _, _ := strings.Cut(f.Name, ",")
	if name = strings.TrimSpace(name); name == "" {
		return f.Code
	}
	return name
}

// digestDirection is the short name of a direction code in d.
func digestDirection(d workflow.Digest, code string) string {
	for _, f := range d.Directions {
		if f.Code == code {
			return ShortDirection(f)
		}
	}
	return ShortDirection(workflow.DirectionFigures{Code: code, Name: code})
}

// DigestChartCaption is the chart's caption when the digest's text is too
// long to be it.
const DigestChartCaption = chartTitle

// DigestLateNote leads a digest sent after its time (every instance was
// down at slot): «сводка за 09:00, отправлена с опозданием».
func DigestLateNote(slot time.Time, loc *time.Location) string {
	return fmt.Sprintf("⏰ Сводка за %s, отправлена с опозданием.", slot.In(loc).Format("15:04 02.01"))
}

// Texts of /digest and mcu digest.
const (
	TextDigestHere    = "Сводка подготовлена и сейчас придёт."
	TextDigestNotHere = "Сводку можно запросить в чате главы или руководителя МЦУ (/bind head, /bind leader)."
)
