package render

import (
	"fmt"
	"strings"
	"time"

	"mcu/workflow"
)

// What deadline control (package control) sends: the morning summary and
// the reminders and escalations to staff, the reminder to rate an answer
// and the notice of an appeal closed without a rating to residents.

// Buttons and answers of deadline control.
const (
	BtnShowCard     = "Показать карточку"
	TextCardBelow   = "Карточка — внизу чата."
	TextCardNotHere = "Это обращение ведёт другой чат."
	textSummaryHint = "Нажмите номер — карточка обращения появится внизу чата."
)

// SummaryText is the morning summary of a direction's chat.
func SummaryText(v SummaryView, loc *time.Location, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Сводка на %s · %s\n", FormatDate(v.Date, loc), v.Direction)
	due := func(a *workflow.Appeal) string { return "срок " + FormatDue(a.DueAt, loc) }
	summarySection(&b, "Просрочено", v.Overdue, func(a *workflow.Appeal) string {
		return fmt.Sprintf("срок %s, просрочено на %s", FormatDue(a.DueAt, loc), Days(daysLate(a.DueAt, now)))
	})
	summarySection(&b, "Срок сегодня", v.DueToday, due)
	summarySection(&b, "Срок в ближайшие "+Workdays(v.SoonWorkdays), v.DueSoon, due)
	summarySection(&b, "Проекты ответов ждут утверждения", v.OnApproval, due)
	summarySection(&b, "Никто не взял в работу", v.Untaken, due)
	b.WriteString("\n" + textSummaryHint)
	return b.String()
}

// summarySection writes a section of the summary: its title with the
// count, then a line per appeal (at most summaryLines, the rest counted);
// nothing for an empty list.
func summarySection(b *strings.Builder, title string, list []*workflow.Appeal, detail func(*workflow.Appeal) string) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s — %d:\n", title, len(list))
	for i, a := range list {
		if i == summaryLines {
			fmt.Fprintf(b, "… и ещё %d\n", len(list)-i)
			break
		}
		fmt.Fprintf(b, "• № %s, %s\n", a.Number(), detail(a))
	}
}

// DeadlineReminder reminds a direction's chat (or triage) of a deadline
// workdays working days away.
func DeadlineReminder(a *workflow.Appeal, direction string, workdays int, loc *time.Location) string {
	return fmt.Sprintf("⏰ Напоминание о сроке\n№ %s · %s\nСрок ответа — %s, через %s.\nСтатус: %s.",
		a.Number(), direction, FormatDue(a.DueAt, loc), Workdays(workdays), stateNames[a.State])
}

// DeadlineEscalation tells a direction's chat and its curators that an
// appeal's deadline is today (or, from a late run, has passed).
func DeadlineEscalation(a *workflow.Appeal, direction string, loc *time.Location, now time.Time) string {
	due := fmt.Sprintf("Срок ответа истекает сегодня, %s.", FormatDue(a.DueAt, loc))
	if a.Overdue(now) {
		due = fmt.Sprintf("Срок ответа истёк %s, просрочено на %s.", FormatDue(a.DueAt, loc), Days(daysLate(a.DueAt, now)))
	}
	return fmt.Sprintf("⚠️ Срок ответа\n№ %s · %s\n%s\nСтатус: %s. Обращение попадёт в сводку главе.",
		a.Number(), direction, due, stateNames[a.State])
}

// RedirectReminder reminds the triage chat that an appeal of 59-ФЗ still
// has no direction: if it is for another body, it must be redirected by
// last (59-ФЗ art. 8 p. 3: within 7 days of registration).
func RedirectReminder(a *workflow.Appeal, last time.Time, loc *time.Location) string {
	return fmt.Sprintf("⏰ Обращение № %s (59-ФЗ) зарегистрировано %s и ещё не распределено.\n"+
		"Если вопрос не в нашей компетенции, его нужно переадресовать до %s включительно (ч. 3 ст. 8 59-ФЗ — 7 дней со дня регистрации).",
		a.Number(), FormatDate(a.RegisteredAt, loc), FormatDate(last, loc))
}

// RedirectEscalation tells the triage chat that today is the last day to
// redirect an appeal of 59-ФЗ that still has no direction (or, from a
// late run, that the day has passed).
func RedirectEscalation(a *workflow.Appeal, last time.Time, loc *time.Location, now time.Time) string {
	day := fmt.Sprintf("Сегодня, %s, последний день", FormatDate(last, loc))
	if FormatDate(now, loc) != FormatDate(last, loc) {
		day = fmt.Sprintf("Срок истёк %s: это был последний день", FormatDate(last, loc))
	}
	return fmt.Sprintf("⚠️ Обращение № %s (59-ФЗ) от %s всё ещё не распределено.\n"+
		"%s, чтобы переадресовать его по компетенции (ч. 3 ст. 8 59-ФЗ). Обращение попадёт в сводку главе.",
		a.Number(), FormatDate(a.RegisteredAt, loc), day)
}

// RatingReminder asks a resident once more to rate the answer to their
// appeal, which is closed without a rating at closeAt.
func RatingReminder(a *workflow.Appeal, closeAt time.Time, loc *time.Location) string {
	return fmt.Sprintf("%s вы получили ответ на сообщение № %s. Оцените, пожалуйста, ответ от 1 до 5 — это помогает нам работать лучше.\n\n"+
		"Если оценки не будет, %s сообщение закроется.", FormatDate(a.AnsweredAt, loc), a.Number(), FormatDate(closeAt, loc))
}

// closedUnratedText tells a resident that the system closed their
// appeal, answered and not rated; "" for any other close (the resident's
// own «Да» is answered where it is pressed) or an appeal no longer closed.
func closedUnratedText(a *workflow.Appeal, n workflow.Notification, loc *time.Location) string {
	if n.Input.Solved != "" || a.State != workflow.StateClosed {
		return ""
	}
	return fmt.Sprintf("Сообщение № %s закрыто: ответ был дан %s, оценки не поступило. "+
		"Если проблема осталась, напишите новое сообщение — /new.", a.Number(), FormatDate(a.AnsweredAt, loc))
}
