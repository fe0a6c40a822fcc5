package render

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// Telegram's limits on what one message may hold.
const (
	MaxMessageRunes  = 4096
	maxCaptionRunes  = 1024
	MaxCallbackBytes = 64
	// cardTextRunes is how much of an appeal's text a card shows.
	cardTextRunes = 1500
	// cardDraftRunes is how much of a draft or an answer a card shows.
	cardDraftRunes = 1200
)

// CardEvents are the events a card's buttons fire; each button's callback
// is named after its event.
func CardEvents() []workflow.Event {
	out := make([]workflow.Event, len(cardButtons))
	for i, cb := range cardButtons {
		out[i] = cb.event
	}
	return out
}

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
	{workflow.EventRoute, btnRoute, true, false},
	{workflow.EventTake, btnTake, false, true},
	{workflow.EventAskResident, btnAsk, false, true},
	{workflow.EventSubmitDraft, btnDraft, false, true},
	{workflow.EventApprove, btnApprove, false, true},
	{workflow.EventReturn, btnReturn, false, true},
	{workflow.EventReroute, btnReroute, false, true},
	{workflow.EventExtend, btnExtend, false, true},
	{workflow.EventReject, btnReject, true, true},
	{workflow.EventRedirect, btnRedirect, true, true},
}

// UniqueFull is the callback of «Показать полностью».
const UniqueFull = "full"

// CardBelongs reports whether a card of appeal a in the chat bound to
// chatDirection ("" for triage) is the live one, with buttons: the
// appeal's direction chat, or triage while the appeal waits there.
func CardBelongs(a *workflow.Appeal, chatDirection string) bool {
	if chatDirection == "" {
		return a.Direction == "" && a.State != workflow.StateReceived
	}
	return a.Direction == chatDirection
}

// CardView is what an appeal's card shows in one chat: the appeal and
// what staff see about it besides.
type CardView struct {
	Appeal *workflow.Appeal
	// ChatDirection is the direction the chat is bound to ("" for triage).
	ChatDirection    string
	History          []workflow.CardEvent  // the latest audit events, oldest first
	ExecutorName     string                // the name of Appeal.ExecutorID
	DraftAttachments []workflow.Attachment // evidence attached to the latest draft
	ContactName      string                // the citizen of an appeal from another channel
	Contact          string
	Similar          Similar // open appeals about the same problem in the same place
	// Incident is the incident the appeal is joined to (nil for none):
	// the card collapses into one line naming it.
	Incident *workflow.Incident
}

// Similar is what a card says of the open appeals similar to its own:
// the most similar one's number and address, and how many there are (0:
// none, and no line). outbox.Similar has the same fields.
type Similar struct {
	Number  string
	Address string
	Count   int
	// IncidentID, IncidentTitle and IncidentCount name the open incident
	// a similar appeal is joined to (0: none): the card offers to join it.
	IncidentID    int64
	IncidentTitle string
	IncidentCount int
}

// Card renders an appeal's card for the chat of v (bound to
// v.ChatDirection): its text (CardText, in texts_staff.go) and, when the
// card is the live one, the buttons. A chat the appeal has left (rerouted
// elsewhere, or routed out of triage) gets a card with no buttons saying
// where it went.
func Card(m CardView, directions map[string]string, loc *time.Location, now time.Time) (string, *tele.ReplyMarkup) {
	markup := &tele.ReplyMarkup{}
	if m.Incident != nil && m.Appeal.IncidentID != 0 {
		if CardBelongs(m.Appeal, m.ChatDirection) {
			markup.InlineKeyboard = joinedKeyboard(m.Appeal)
		}
		return joinedCardText(m, directions), markup // texts_incident.go
	}
	if CardBelongs(m.Appeal, m.ChatDirection) {
		markup.InlineKeyboard = cardKeyboard(m, now)
	}
	return cardText(m, directions, loc, now), markup
}

// cardKeyboard returns the buttons of a live card: the events the
// workflow allows now that a button can start in this chat, two to a row,
// and «Показать полностью» when the card shortens a text. An event the
// appeal itself refuses at now (workflow.Guard: no resident to ask, a
// deadline extended already or past) has no button.
func cardKeyboard(m CardView, now time.Time) [][]tele.InlineButton {
	a, chatDirection := m.Appeal, m.ChatDirection
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
		case workflow.Guard(a, cb.event, now) != nil:
			continue
		}
		btns = append(btns, tele.InlineButton{Unique: string(cb.event), Text: cb.label, Data: id + "|" + version})
	}
	btns = append(btns, incidentButtons(m, now)...) // texts_incident.go
	var rows [][]tele.InlineButton
	for i := 0; i < len(btns); i += 2 {
		rows = append(rows, btns[i:min(i+2, len(btns))])
	}
	if utf8.RuneCountInString(a.Text) > cardTextRunes || utf8.RuneCountInString(a.Draft) > cardDraftRunes ||
		utf8.RuneCountInString(a.Answer) > cardDraftRunes {
		rows = append(rows, []tele.InlineButton{{Unique: UniqueFull, Text: btnShowFull, Data: id}})
	}
	return rows
}

// DirectionName returns the name of a direction code, or the triage's.
func DirectionName(code string, directions map[string]string) string {
	if code == "" {
		return textTriageDirection
	}
	if name := directions[code]; name != "" {
		return name
	}
	return code
}

// FormatDue formats a deadline: the date, with the time when it is not
// the end of a day (a deadline in hours).
func FormatDue(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	if l.Hour() == 23 && l.Minute() == 59 {
		return FormatDate(t, loc)
	}
	return l.Format("02.01.2006 15:04")
}

// daysLate returns how many days (started) now is past due, as the
// digest counts them.
func daysLate(due, now time.Time) int { return workflow.DaysLate(due, now) }

// NameOr returns name, or the Telegram id when the name is unknown.
func NameOr(name string, id int64) string {
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

// Shorten cuts s to at most n characters, marking the cut.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// SplitText splits s into pieces of at most n characters, preferring to cut
// at a paragraph, a line or a space.
func SplitText(s string, n int) []string {
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
