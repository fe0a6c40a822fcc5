package delivery

import (
	"context"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
)

// sendIncidentCard edits the incident's card in the chat, or sends it
// when there is none yet (or Telegram can no longer edit it), as
// sendCard does for an appeal's card.
func (d *Dispatcher) sendIncidentCard(ctx context.Context, chat *tele.Chat, opts *tele.SendOptions, m outbox.Message, run *partRun) (outbox.Outcome, error) {
	var dirs map[string]string
	if p := d.dirs.Load(); p != nil {
		dirs = *p
	}
	v := render.IncidentCardView{Incident: m.Incident}
	for _, a := range m.IncidentAppeals {
		v.Appeals = append(v.Appeals, render.IncidentAppeal(a))
	}
	text, markup := render.IncidentCard(v, dirs, d.opts.Location)
	if m.CardMessageID != 0 {
		if edited, err := d.editCard(ctx, chat, m.CardMessageID, text, markup); edited || err != nil {
			return outbox.Outcome{}, err
		}
		// Too old or deleted: a new card takes its place.
	}
	run.add("card", func() ([]int, error) {
		o := *opts
		o.ReplyMarkup = markup
		return d.sendOne(chat, text, &o)
	})
	if err := d.sendParts(ctx, m, run); err != nil {
		return outbox.Outcome{}, err
	}
	return outbox.Outcome{CardMessageID: cardSent(run)}, nil
}
