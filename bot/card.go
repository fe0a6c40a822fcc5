package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// Telegram's limits on what one message may hold.
const (
	maxMessageRunes  = 4096
	maxCaptionRunes  = 1024
	maxCallbackBytes = 64
	// cardTextRunes is how much of an appeal's text a card shows.
	cardTextRunes = 1500
	// cardDraftRunes is how much of a draft or an answer a card shows.
	cardDraftRunes = 1200
)

// cardButtons are the staff actions a card can offer, in the order shown.
// A button shows when the workflow allows its event in the appeal's state
// and the chat is where that event is done (triage or the direction's
// chat); whether the presser may fire it is checked when it is pressed.
// The callback's unique name is the event's name.
var cardButtons = []struct {
	event  workflow.Event
	label  string
	triage bool // offered in the triage chat, for appeals with no direction
	chat   bool // offered in the direction's chat
}{
	{workflow.EventRoute, "Направить", true, false},
	{workflow.EventTake, "Взять в работу", false, true},
	{workflow.EventAskResident, "Вопрос жителю", false, true},
	{workflow.EventSubmitDraft, "Подготовить ответ", false, true},
	{workflow.EventApprove, "Утвердить", false, true},
	{workflow.EventReturn, "Вернуть", false, true},
	{workflow.EventReroute, "Перенаправить", false, true},
	{workflow.EventExtend, "Продлить срок", false, true},
	{workflow.EventReject, "Отклонить", true, true},
	{workflow.EventRedirect, "Переадресовать", true, true},
}

// uniqueFull is the callback of «Показать полностью».
const uniqueFull = "full"

// cardBelongs reports whether a card of appeal a in the chat bound to
// chatDirection ("" for triage) is the live one, with buttons: the
// appeal's direction chat, or triage while the appeal waits there.
func cardBelongs(a *workflow.Appeal, chatDirection string) bool {
	if chatDirection == "" {
		return a.Direction == "" && a.State != workflow.StateReceived
	}
	return a.Direction == chatDirection
}

// card renders an appeal's card for the chat of m (bound to
// m.ChatDirection): number, kind, direction, state, deadline, executor,
// the text, attachments, the draft or answer, the latest history and the
// buttons. A chat the appeal has left (rerouted elsewhere, or routed out of
// triage) gets a card with no buttons saying where it went.
func card(m workflow.OutboxMessage, directions map[string]string, loc *time.Location, now time.Time) (string, *tele.ReplyMarkup) {
	a := m.Appeal
	var b strings.Builder
	fmt.Fprintf(&b, "№ %s · %s\n", a.Number(), kindNames[a.Kind])
	dir := directionName(a.Direction, directions)
	fmt.Fprintf(&b, "Направление: %s\n", dir)
	fmt.Fprintf(&b, "Статус: %s\n", stateNames[a.State])
	if !a.DueAt.IsZero() {
		fmt.Fprintf(&b, "Срок: %s", formatDue(a.DueAt, loc))
		if a.Overdue(now) {
			fmt.Fprintf(&b, " — просрочено на %d дн.", daysLate(a.DueAt, now))
		}
		if a.Extended {
			b.WriteString(" (продлён)")
		}
		b.WriteString("\n")
	}
	if a.ExecutorID != 0 {
		fmt.Fprintf(&b, "Исполнитель: %s\n", nameOr(m.ExecutorName, a.ExecutorID))
	}
	if a.Source != workflow.SourceBot {
		fmt.Fprintf(&b, "Источник: %s\n", sourceNames[a.Source])
	}
	if m.ContactName != "" || m.Contact != "" {
		fmt.Fprintf(&b, "Заявитель: %s\n", strings.Join(nonEmpty(m.ContactName, m.Contact), ", "))
	}
	b.WriteString("\n")
	b.WriteString(shorten(a.Text, cardTextRunes))
	b.WriteString("\n")
	if a.Address != "" {
		fmt.Fprintf(&b, "\nАдрес: %s\n", a.Address)
	}
	if n := len(a.Attachments); n > 0 || a.Location != nil {
		var parts []string
		if n > 0 {
			parts = append(parts, fmt.Sprintf("фото: %d", n))
		}
		if a.Location != nil {
			parts = append(parts, "место на карте")
		}
		fmt.Fprintf(&b, "Вложения над карточкой — %s\n", strings.Join(parts, ", "))
	}
	switch {
	case a.Answer != "" && !a.State.Open():
		fmt.Fprintf(&b, "\nОтвет:\n%s\n", shorten(a.Answer, cardDraftRunes))
	case a.Draft != "" && a.State == workflow.StateOnApproval:
		fmt.Fprintf(&b, "\nПроект ответа:\n%s\n", shorten(a.Draft, cardDraftRunes))
	case a.Draft != "" && a.State.Open():
		fmt.Fprintf(&b, "\nПрежний проект ответа (возвращён):\n%s\n", shorten(a.Draft, cardDraftRunes))
	}
	if n := len(m.DraftAttachments); n > 0 && a.Draft != "" {
		if a.Answer != "" && !a.State.Open() {
			fmt.Fprintf(&b, "Фото к ответу: %d\n", n)
		} else {
			fmt.Fprintf(&b, "Фото к проекту: %d\n", n)
		}
	}
	if a.Reason != "" && (a.State == workflow.StateRejected || a.State == workflow.StateRedirected) {
		label := "Причина"
		if a.State == workflow.StateRedirected {
			label = "Переадресовано в"
		}
		fmt.Fprintf(&b, "\n%s: %s\n", label, a.Reason)
	}
	if len(m.History) > 0 {
		b.WriteString("\nИстория:\n")
		for _, e := range m.History {
			fmt.Fprintf(&b, "%s %s\n", e.At.In(loc).Format("02.01 15:04"), historyLine(e, directions, loc))
		}
	}
	markup := &tele.ReplyMarkup{}
	if !cardBelongs(a, m.ChatDirection) {
		fmt.Fprintf(&b, "\nПередано: %s", dir)
		return shorten(strings.TrimRight(b.String(), "\n"), maxMessageRunes), markup
	}
	markup.InlineKeyboard = cardKeyboard(a, m.ChatDirection)
	return shorten(strings.TrimRight(b.String(), "\n"), maxMessageRunes), markup
}

// cardKeyboard returns the buttons of a live card: the events the
// workflow allows now that a button can start in this chat, two to a row,
// and «Показать полностью» when the card shortens a text.
func cardKeyboard(a *workflow.Appeal, chatDirection string) [][]tele.InlineButton {
	id, version := strconv.FormatInt(a.ID, 10), strconv.Itoa(a.Version)
	allowed := map[workflow.Event]bool{}
	for _, e := range workflow.AllowedEvents(a.State) {
		allowed[e] = true
	}
	var btns []tele.InlineButton
	for _, cb := range cardButtons {
		switch {
		case !allowed[cb.event]:
			continue
		case chatDirection == "" && !cb.triage, chatDirection != "" && !cb.chat:
			continue
		case cb.event == workflow.EventAskResident && a.ResidentID == 0:
			continue // nobody in Telegram to ask
		case cb.event == workflow.EventExtend && a.Extended:
			continue // once only
		}
		btns = append(btns, tele.InlineButton{Unique: string(cb.event), Text: cb.label, Data: id + "|" + version})
	}
	var rows [][]tele.InlineButton
	for i := 0; i < len(btns); i += 2 {
		rows = append(rows, btns[i:min(i+2, len(btns))])
	}
	if utf8.RuneCountInString(a.Text) > cardTextRunes || utf8.RuneCountInString(a.Draft) > cardDraftRunes ||
		utf8.RuneCountInString(a.Answer) > cardDraftRunes {
		rows = append(rows, []tele.InlineButton{{Unique: uniqueFull, Text: "Показать полностью", Data: id}})
	}
	return rows
}

// historyLine is one event of a card's or /history's list, without the
// time: what happened and who did it.
func historyLine(e workflow.CardEvent, directions map[string]string, loc *time.Location) string {
	s := eventNames[e.Event]
	if s == "" {
		s = string(e.Event)
	}
	p := e.Payload
	switch e.Event {
	case workflow.EventRoute, workflow.EventReroute:
		s += ": " + directionName(p.Direction, directions)
	case workflow.EventReturn, workflow.EventReject:
		s += ": " + shorten(p.Reason, 80)
	case workflow.EventRedirect:
		s += ": " + shorten(p.Authority, 80)
	case workflow.EventExtend:
		if due, err := time.Parse(time.RFC3339, p.DueAt); err == nil {
			s += " до " + formatDate(due, loc)
		}
	case workflow.EventRate:
		s += fmt.Sprintf(": %d", p.Rating)
	}
	switch e.Actor.Kind {
	case workflow.ActorStaff:
		s += " — " + nameOr(e.ActorName, e.Actor.UserID)
	case workflow.ActorResident:
		s += " — заявитель"
	}
	return s
}

// directionName returns the name of a direction code, or the triage's.
func directionName(code string, directions map[string]string) string {
	if code == "" {
		return "не определено (сортировка)"
	}
	if name := directions[code]; name != "" {
		return name
	}
	return code
}

// formatDue formats a deadline: the date, with the time when it is not
// the end of a day (a deadline in hours).
func formatDue(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	if l.Hour() == 23 && l.Minute() == 59 {
		return formatDate(t, loc)
	}
	return l.Format("02.01.2006 15:04")
}

// daysLate returns how many days (started) now is past due.
func daysLate(due, now time.Time) int {
	return int(now.Sub(due).Hours()/24) + 1
}

// nameOr returns name, or the Telegram id when the name is unknown.
func nameOr(name string, id int64) string {
	if name != "" {
		return name
	}
	return "id " + strconv.FormatInt(id, 10)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// splitText splits s into pieces of at most n characters, preferring to cut
// at a paragraph, a line or a space.
func splitText(s string, n int) []string {
	var out []string
	r := []rune(s)
	for len(r) > n {
		cut := n
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(string(r[:n]), sep); i > 0 {
				cut = utf8.RuneCountInString(string(r[:n])[:i]) + utf8.RuneCountInString(sep)
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " \n"))
		r = r[cut:]
	}
	if len(r) > 0 || len(out) == 0 {
		out = append(out, string(r))
	}
	return out
}
