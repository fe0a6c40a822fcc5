package delivery

import (
	"context"
	"errors"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// A group gets 20 messages a minute, about six new cards with photos. On
// the day a thousand residents write, a direction's group would fall a
// quarter of an hour behind, its staff seeing none of the newest appeals.
// So when a group's queue holds more than it can send in ListAfter (two
// minutes), the new card claimed and the new cards waiting behind it go
// as one list message: a line per appeal and a button that posts its full
// card with its photos when somebody wants it (bot, render.CardList).
// Cards already in the chat keep being edited in place; a listed appeal's
// later changes wait until its card is asked for.

// listInstead returns the appeals whose new cards go as one list instead
// of m's card, or nil when m's chat keeps up (or m is no new card of a
// group: storage loads m.Waiting only then).
func (d *Dispatcher) listInstead(m outbox.Message) []outbox.Waiting {
	if d.pace == nil {
		// Unpaced (a Telegram without flood limits, as the demo's): every
		// group keeps up.
		return nil
	}
	if len(m.Waiting) < 2 || m.Backlog <= d.groupCapacity() {
		return nil
	}
	var list []outbox.Waiting
	for _, w := range m.Waiting {
		if render.CardBelongs(w.Appeal, m.ChatDirection) {
			list = append(list, w)
		}
	}
	return list
}

// groupCapacity is how many messages a group can be sent in ListAfter.
func (d *Dispatcher) groupCapacity() int {
	perMinute := d.opts.Pace.withDefaults().GroupPerMinute
	return int(float64(perMinute) * d.opts.ListAfter.Minutes())
}

// sendList sends the list of the new cards waiting in m's chat; ok is
// false when Telegram refused it for good (400), and m's card is to go as
// usual.
func (d *Dispatcher) sendList(ctx context.Context, chat *tele.Chat, opts *tele.SendOptions, m outbox.Message, run *partRun, list []outbox.Waiting, dirs map[string]string) (o outbox.Outcome, ok bool, err error) {
	appeals := make([]*workflow.Appeal, len(list))
	listed := &outbox.Listed{}
	for i, w := range list {
		appeals[i] = w.Appeal
		listed.OutboxIDs = append(listed.OutboxIDs, w.OutboxID)
		listed.AppealIDs = append(listed.AppealIDs, w.Appeal.ID)
	}
	name := ""
	if m.ChatDirection != "" {
		name = dirs[m.ChatDirection]
	}
	text, markup := render.CardList(name, appeals)
	run.add("list", func() ([]int, error) {
		o := *opts
		o.ReplyMarkup = markup
		return d.sendOne(chat, text, &o)
	})
	if err := d.sendParts(ctx, m, run); err != nil && !errors.Is(err, errAllSkipped) {
		return outbox.Outcome{}, false, err
	}
	p, _ := run.result("list")
	if len(p.IDs) == 0 {
		run.parts = nil // the card's own parts follow; the refusal stays recorded
		return outbox.Outcome{}, false, nil
	}
	listed.MessageID = p.IDs[0]
	d.opts.Logger.InfoContext(ctx, "outbox: new cards sent as a list", "chat", chatForLog(m.ChatID), "appeals", len(appeals), "backlog", m.Backlog)
	return outbox.Outcome{Listed: listed}, true, nil
}
