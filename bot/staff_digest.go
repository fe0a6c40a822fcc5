package bot

import (
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// onDigestCard answers a press of a digest's button (data: an appeal's
// number): it sends that appeal's card, as its direction's chat shows it
// but with no buttons, to the chat where the button was pressed, in reply
// to the digest. Whoever may see the appeal (workflow.SeesAppeal: head,
// leader, admin, operator, or a curator or executor of its direction)
// gets it; anyone else «Недостаточно прав.».
func (b *Bot) onDigestCard(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) != 1 {
		return respond(c, render.TextInvalid)
	}
	grants, err := b.grants(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	if len(grants) == 0 {
		return respond(c, render.TextForbidden)
	}
	m, err := b.opts.Store.FindCard(ctx, args[0])
	if err != nil {
		return respond(c, b.answer(ctx, err))
	}
	if !workflow.SeesAppeal(grants, m.Appeal) {
		return respond(c, render.TextForbidden)
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	// The appeal's photos and location are not sent along: the card says
	// none is above it.
	a := *m.Appeal
	a.Attachments, a.Location = nil, nil
	view := render.CardView{
		Appeal: &a, ChatDirection: a.Direction, History: m.History, ExecutorName: m.ExecutorName,
		DraftAttachments: m.DraftAttachments, ContactName: m.ContactName, Contact: m.Contact,
	}
	text, _ := render.Card(view, dirs, b.opts.Location, b.now())
	digest := c.Callback().Message
	err = b.sendTo(c, digest.Chat, text, &tele.SendOptions{
		ReplyTo: digest, AllowWithoutReply: true, ThreadID: threadOf(digest), DisableWebPagePreview: true,
	})
	if err != nil {
		return err
	}
	return respond(c, "")
}

// onDigest answers /digest in the chat bound to head or leader: the
// digest is made now and sent there (through the outbox, like the
// scheduled one). Anywhere else it says where to ask.
func (b *Bot) onDigest(c tele.Context) error {
	ctx := contextOf(c)
	bnd, err := b.opts.Store.FindBinding(ctx, c.Chat().ID, threadOf(c.Message()))
	if workflow.ErrorCode(err) == workflow.ENotFound || (err == nil && bnd.Purpose != workflow.BindHead && bnd.Purpose != workflow.BindLeader) {
		return reply(c, render.TextDigestNotHere)
	}
	if err != nil {
		return err
	}
	if b.opts.Digest == nil {
		return reply(c, render.TextInvalid)
	}
	p, err := b.opts.Digest(ctx, b.opts.Now())
	if err != nil {
		return err
	}
	if _, err := b.opts.Store.EnqueuePrepared(ctx, outbox.Recipient{ChatID: bnd.ChatID}, p); err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "digest asked for", "chat_id", bnd.ChatID, "by", c.Sender().ID)
	return nil
}

// onCardPost answers a press of a button in a list of new cards (data:
// the appeal's id; see delivery's card lists): the appeal's full card,
// with its photos, goes to the chat, where it is then edited in place
// like any card. Whoever may see the appeal may ask for it; anyone else
// «Недостаточно прав.».
func (b *Bot) onCardPost(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) != 1 {
		return respond(c, render.TextInvalid)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return respond(c, render.TextInvalid)
	}
	grants, err := b.grants(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	if len(grants) == 0 {
		return respond(c, render.TextForbidden)
	}
	a, err := b.opts.Store.FindAppeal(ctx, id)
	if err != nil {
		return respond(c, b.answer(ctx, err))
	}
	if !workflow.SeesAppeal(grants, a) {
		return respond(c, render.TextForbidden)
	}
	posted, err := b.opts.Store.PostListedCard(ctx, id, c.Chat().ID)
	if err != nil {
		return err
	}
	if !posted {
		return respond(c, render.TextCardPosted)
	}
	return respond(c, "")
}
