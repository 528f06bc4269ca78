// Spaces out a costly redraw so that it takes at most a share of the page's time: after a redraw that took d ms,
// the next one waits (1/share − 1)·d ms. A few runs redraw in a few ms, so every frame may have one; hundreds of
// runs overlaid take 100 ms or more a redraw (uPlot draws every series anew), and without a budget one run that logs
// a row every few hundred ms kept the page redrawing all of them without pause.

export class RenderBudget {
  constructor(share = 0.1) {
    this.share = share;
    this.notBefore = -Infinity;
  }

  /** Milliseconds to wait at time `now` before the next redraw (0: draw now). */
  wait(now) {
    return Math.max(0, this.notBefore - now);
  }

  /** A redraw ran from `start` to `end` (performance.now() times). */
  spent(start, end) {
    this.notBefore = end + (end - start) * (1 / this.share - 1);
  }
}
