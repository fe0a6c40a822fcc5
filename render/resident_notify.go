package render

import (
	"strconv"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// ResidentMessage renders what the resident is told about a change of
// their appeal a (as it is now) by n: the text ("" for nothing) and the buttons under it —
// «Ответить» under a question still open, the rating row under an answer
// not yet rated.
func ResidentMessage(a *workflow.Appeal, n workflow.Notification, loc *time.Location) (string, *tele.ReplyMarkup) {
	text := residentText(a, n, loc)
	if n.Event == workflow.EventClose {
		text = closedUnratedText(a, n, loc) // texts_control.go
	}
	if text == "" {
		return "", nil
	}
	mk := &tele.ReplyMarkup{}
	switch {
	case n.Event == workflow.EventAskResident && a.State == workflow.StateClarification:
		mk.Inline(mk.Row(mk.Data(BtnAnswer, UniqueAnswer, strconv.FormatInt(a.ID, 10))))
	case (n.Event == workflow.EventApprove || n.Event == workflow.EventAnswerIncident) && a.State == workflow.StateAnswered && a.Rating == 0:
		mk.Inline(RatingRow(mk, a.ID))
	default:
		return text, nil
	}
	return text, mk
}

// Callbacks of the buttons under what the resident is told.
const (
	UniqueAnswer = "r_ans"  // «Ответить» under a question: "<appeal id>"
	UniqueRate   = "r_rate" // a rating: "<appeal id>|<1–5>"
)

// RatingRow is the row of 1–5 under the answer (and under the reminder
// to rate it): "\fr_rate|<id>|<n>".
func RatingRow(m *tele.ReplyMarkup, appealID int64) tele.Row {
	id := strconv.FormatInt(appealID, 10)
	row := make(tele.Row, 0, 5)
	for n := 1; n <= 5; n++ {
		s := strconv.Itoa(n)
		row = append(row, m.Data(s, UniqueRate, id, s))
	}
	return row
}
