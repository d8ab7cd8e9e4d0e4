import { isGoSpace } from '../../util/space.js';

/**
 * The text of the word being assembled. BuildKit keeps a single builder for it
 * per lexer and every (nested) scan resets it, so a `${VAR:-x}` or
 * `${VAR/a/b}` inside a word drops what that word had collected before the
 * `$`: `ProcessWords("ab${X:-y}cd")` gives `["ycd"]` while `ProcessWord` of the
 * same input gives `abycd`. The Dockerfile parser's heredoc detection goes
 * through ProcessWords, so kiln keeps that behaviour to see the same words.
 */
export interface WordScratch {
  text: string;
}

/** The words of one scan (BuildKit's `wordsStruct`). */
export class WordList {
  private readonly scratch: WordScratch;
  private readonly words: string[] = [];
  private inWord = false;

  constructor(scratch: WordScratch) {
    this.scratch = scratch;
    scratch.text = '';
  }

  /** Appends text that is never split: quoted text, escaped characters. */
  addRaw(text: string): void {
    this.scratch.text += text;
    this.inWord = true;
  }

  /** Appends text that is split on whitespace: unquoted literals and expansions. */
  addSplit(text: string): void {
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      if (!isGoSpace(text.charCodeAt(i))) continue;
      if (i > from) this.addRaw(text.slice(from, i));
      from = i + 1;
      if (this.inWord && this.scratch.text.length > 0) {
        this.words.push(this.scratch.text);
        this.scratch.text = '';
        this.inWord = false;
      }
    }
    if (from < text.length) this.addRaw(from === 0 ? text : text.slice(from));
  }

  /** Closes the current word and returns all of them. */
  finish(): string[] {
    if (this.scratch.text.length > 0) {
      this.words.push(this.scratch.text);
      this.scratch.text = '';
      this.inWord = false;
    }
    return this.words;
  }
}
