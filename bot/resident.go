package bot

import (
	tele "gopkg.in/telebot.v3"
)

// ResidentStore is what the resident's side of the bot reads and writes
// besides the workflow.
type ResidentStore interface{}

// residentHandlers are the handlers of private chats, by endpoint.
func (b *Bot) residentHandlers() map[string]tele.HandlerFunc {
	return map[string]tele.HandlerFunc{}
}

// startResident greets a person who opened the bot.
func (b *Bot) startResident(c tele.Context) error {
	return c.Send(textGreeting)
}
