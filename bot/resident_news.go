package bot

import (
	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// Unique names of the news buttons: the question after the consent, and
// «Не присылать новости» under every announcement.
const (
	uniqueNews     = "r_news"
	uniqueNewsStop = "r_nstop"
)

// askNews asks a resident who has just consented whether to get the
// district's news: a choice of its own, recorded apart from the consent.
func (b *Bot) askNews(c tele.Context) error {
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnNewsYes, uniqueNews, "yes"), m.Data(render.BtnNewsNo, uniqueNews, "no")))
	return c.Send(render.TextNewsAsk, m)
}

// onNewsAnswer records the answer to the news question (data: yes or no).
func (b *Bot) onNewsAnswer(c tele.Context, _ *workflow.ResidentProfile) error {
	on := c.Callback().Data == "yes"
	if err := b.setNews(c, on); err != nil {
		return b.fail(c, err)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return c.Edit(newsText(on))
}

// onNews answers /news: it turns the news on when they were off and off
// when they were on, and says which.
func (b *Bot) onNews(c tele.Context, _ *workflow.ResidentProfile) error {
	on, err := b.opts.Store.FindNews(contextOf(c), c.Sender().ID)
	if err != nil {
		return b.fail(c, err)
	}
	if err := b.setNews(c, !on); err != nil {
		return b.fail(c, err)
	}
	return c.Send(newsText(!on), mainMenu())
}

// onNewsStop answers «Не присылать новости» under an announcement: the
// news are off at once.
func (b *Bot) onNewsStop(c tele.Context, _ *workflow.ResidentProfile) error {
	if err := b.setNews(c, false); err != nil {
		return b.fail(c, err)
	}
	b.dropButtons(c)
	if err := respond(c, render.TextNewsStopped); err != nil {
		return err
	}
	return c.Send(render.TextNewsOff)
}

// setNews records the sender's news choice with the question's version.
func (b *Bot) setNews(c tele.Context, on bool) error {
	ctx := contextOf(c)
	if _, err := b.opts.Store.SetNews(ctx, c.Sender().ID, on, render.NewsVersion, b.now()); err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "resident news choice", "news", on)
	return nil
}

// newsText confirms a news choice.
func newsText(on bool) string {
	if on {
		return render.TextNewsOn
	}
	return render.TextNewsOff
}
