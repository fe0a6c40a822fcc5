package bot

import (
	"strconv"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// residentMessage renders what the resident is told about a change of
// their appeal: the text ("" for nothing) and the buttons under it —
// «Ответить» under a question still open, the rating row under an answer
// not yet rated.
func residentMessage(m workflow.OutboxMessage, loc *time.Location) (string, *tele.ReplyMarkup) {
	a, n := m.Appeal, m.Notification
	text := residentText(a, n, loc)
	if text == "" {
		return "", nil
	}
	mk := &tele.ReplyMarkup{}
	switch {
	case n.Event == workflow.EventAskResident && a.State == workflow.StateClarification:
		mk.Inline(mk.Row(mk.Data(btnAnswer, "r_ans", strconv.FormatInt(a.ID, 10))))
	case n.Event == workflow.EventApprove && a.State == workflow.StateAnswered && a.Rating == 0:
		mk.Inline(ratingRow(mk, a.ID))
	default:
		return text, nil
	}
	return text, mk
}
