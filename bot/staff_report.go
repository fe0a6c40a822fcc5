package bot

import (
	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// onReport answers /report [YYYY-MM] in the chat bound to head, leader or
// triage: the monthly report (of the month before when none is given) is
// made and sent there as a document. Elsewhere it says where to ask.
func (b *Bot) onReport(c tele.Context) error {
	ctx := contextOf(c)
	bnd, err := b.opts.Store.FindBinding(ctx, c.Chat().ID, threadOf(c.Message()))
	switch {
	case workflow.ErrorCode(err) == workflow.ENotFound,
		err == nil && bnd.Purpose != workflow.BindHead && bnd.Purpose != workflow.BindLeader && bnd.Purpose != workflow.BindTriage:
		return reply(c, render.TextReportNotHere)
	case err != nil:
		return err
	case b.opts.Report == nil:
		return reply(c, render.TextInvalid)
	}
	args := c.Args()
	if len(args) > 1 {
		return reply(c, render.TextReportUsage)
	}
	month := ""
	if len(args) == 1 {
		month = args[0]
	}
	p, err := b.opts.Report(ctx, month, b.opts.Now())
	if workflow.ErrorCode(err) == workflow.EInvalid {
		return reply(c, render.TextReportUsage)
	}
	if err != nil {
		return err
	}
	if _, err := b.opts.Store.EnqueuePrepared(ctx, outbox.Recipient{ChatID: bnd.ChatID}, p); err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "report asked for", "chat_id", bnd.ChatID, "month", month, "by", c.Sender().ID)
	return nil
}
