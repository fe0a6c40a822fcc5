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
)

// cardButtons are the staff actions a card offers, in the order shown,
// with their labels. A button shows when the workflow allows its event in
// the appeal's state; whether the presser may fire it is checked when it
// is pressed.
var cardButtons = []struct {
	event workflow.Event
	label string
}{
	{workflow.EventTake, "Взять в работу"},
	{workflow.EventApprove, "Утвердить"},
}

// card renders an appeal's card for the chat bound to chatDirection.
// A chat the appeal has left (rerouted elsewhere, or routed out of triage)
// gets a card with no buttons saying where it went.
func card(a *workflow.Appeal, chatDirection string, directions map[string]string, loc *time.Location, now time.Time) (string, *tele.ReplyMarkup) {
	var b strings.Builder
	fmt.Fprintf(&b, "№ %s · %s\n", a.Number(), kindNames[a.Kind])
	dir := "не определено (сортировка)"
	if a.Direction != "" {
		dir = directions[a.Direction]
		if dir == "" {
			dir = a.Direction
		}
	}
	fmt.Fprintf(&b, "Направление: %s\n", dir)
	fmt.Fprintf(&b, "Статус: %s\n", stateNames[a.State])
	if !a.DueAt.IsZero() {
		fmt.Fprintf(&b, "Срок: %s", formatDate(a.DueAt, loc))
		if a.Overdue(now) {
			late := int(now.Sub(a.DueAt).Hours()/24) + 1
			fmt.Fprintf(&b, " — просрочено на %d дн.", late)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(shorten(a.Text, cardTextRunes))
	b.WriteString("\n")
	if a.Address != "" {
		fmt.Fprintf(&b, "\nАдрес: %s\n", a.Address)
	}
	if n := len(a.Attachments); n > 0 {
		fmt.Fprintf(&b, "Фото: %d\n", n)
	}
	if a.Draft != "" && a.State == workflow.StateOnApproval {
		fmt.Fprintf(&b, "\nПроект ответа:\n%s\n", shorten(a.Draft, cardTextRunes))
	}
	if a.Answer != "" && !a.State.Open() {
		fmt.Fprintf(&b, "\nОтвет:\n%s\n", shorten(a.Answer, cardTextRunes))
	}
	markup := &tele.ReplyMarkup{}
	left := a.Direction != chatDirection && !(chatDirection == "" && a.State == workflow.StateRegistered)
	if left {
		fmt.Fprintf(&b, "\nПередано: %s", dir)
		return b.String(), markup
	}
	var row []tele.Btn
	allowed := workflow.AllowedEvents(a.State)
	for _, cb := range cardButtons {
		for _, e := range allowed {
			if e == cb.event {
				row = append(row, markup.Data(cb.label, string(cb.event), strconv.FormatInt(a.ID, 10), strconv.Itoa(a.Version)))
			}
		}
	}
	if len(row) > 0 {
		markup.Inline(row)
	}
	return b.String(), markup
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
