package bot

import (
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// StaffStore is what the staff's side of the bot reads and writes besides
// the workflow.
type StaffStore interface{}

// staffHandlers are the handlers of staff chats, by endpoint.
func (b *Bot) staffHandlers() map[string]tele.HandlerFunc {
	h := map[string]tele.HandlerFunc{}
	for _, cb := range cardButtons {
		h["\f"+string(cb.event)] = b.onCardButton(cb.event)
	}
	return h
}

// startStaff answers /start with an invitation code.
func (b *Bot) startStaff(c tele.Context, code string) error {
	return c.Send(textGreeting)
}

// onCardButton fires a workflow event that needs no input from a card
// button: data is "<appeal id>|<version>".
func (b *Bot) onCardButton(ev workflow.Event) tele.HandlerFunc {
	return func(c tele.Context) error {
		ctx := contextOf(c)
		args := c.Args()
		if len(args) != 2 {
			return c.Respond(&tele.CallbackResponse{Text: textInvalid})
		}
		id, err1 := strconv.ParseInt(args[0], 10, 64)
		version, err2 := strconv.Atoi(args[1])
		if err1 != nil || err2 != nil {
			return c.Respond(&tele.CallbackResponse{Text: textInvalid})
		}
		_, err := b.opts.Service.Apply(ctx, workflow.Command{
			AppealID: id, Event: ev, Actor: workflow.Staff(c.Sender().ID), Version: version,
		})
		if err != nil {
			return c.Respond(&tele.CallbackResponse{Text: b.answer(ctx, err)})
		}
		return c.Respond(&tele.CallbackResponse{Text: "Готово"})
	}
}
