package bot

import (
	"context"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// SummaryStore is what the buttons under the morning summary and the
// deadline reminders (package control) need.
type SummaryStore interface {
	// RepostCard forgets the card of an appeal in a chat (its message,
	// not the photos sent with it) and enqueues the card for the chat
	// bound to direction ("" for triage) in the same transaction, so that
	// the dispatcher sends a new card at the bottom of the chat.
	RepostCard(ctx context.Context, appealID, chatID int64, direction string) error
}

// onShowCard answers a number of the morning summary or «Показать
// карточку» under a reminder: "\fs_card|<appeal id>". The appeal's card
// is sent anew at the bottom of the chat, where it is then kept up to
// date (the old one is no longer edited). Only staff of the chat's
// direction (curators, executors), operators and admins may press it, in
// the chat that holds the appeal's live card: its direction's chat, or
// triage while it has no direction.
func (b *Bot) onShowCard(c tele.Context) error {
	ctx := contextOf(c)
	id, ok := appealArg(c)
	if !ok {
		return respond(c, render.TextInvalid)
	}
	binding, err := b.opts.Store.FindBinding(ctx, c.Chat().ID, threadOf(c.Callback().Message))
	if workflow.ErrorCode(err) == workflow.ENotFound || (err == nil && binding.Purpose == workflow.BindHead) {
		return respond(c, render.TextCardNotHere)
	}
	if err != nil {
		return err
	}
	allowed, err := b.mayShowCard(ctx, c.Sender().ID, binding)
	if err != nil {
		return err
	}
	if !allowed {
		return refuse(c)
	}
	a, err := b.opts.Store.FindAppeal(ctx, id)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return respond(c, render.TextNotFound)
	}
	if err != nil {
		return err
	}
	if !render.CardBelongs(a, binding.Direction) {
		return respond(c, render.TextCardNotHere)
	}
	if err := b.opts.Store.RepostCard(ctx, a.ID, binding.ChatID, binding.Direction); err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "card re-posted", "appeal_id", a.ID, "chat_id", binding.ChatID, "user_id", c.Sender().ID)
	return respond(c, render.TextCardBelow)
}

// mayShowCard reports whether a user may re-post cards in a bound chat:
// an admin or operator anywhere, a curator or executor in their
// direction's chat.
func (b *Bot) mayShowCard(ctx context.Context, userID int64, binding workflow.Binding) (bool, error) {
	grants, err := b.grants(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		switch g.Role {
		case workflow.RoleAdmin, workflow.RoleOperator:
			return true, nil
		case workflow.RoleCurator, workflow.RoleExecutor:
			if binding.Purpose == workflow.BindDirection && g.Direction == binding.Direction {
				return true, nil
			}
		}
	}
	return false, nil
}
