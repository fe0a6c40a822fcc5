package bot

import (
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// residentMessage renders what the resident is told about a change of
// their appeal: the text ("" for nothing) and the buttons under it.
func residentMessage(m workflow.OutboxMessage, loc *time.Location) (string, *tele.ReplyMarkup) {
	return residentText(m.Appeal, m.Notification, loc), nil
}
