import type { TemplateRenderErrorCode } from '../template-error.js';

/** Thrown by a helper during a render; becomes a `TemplateRenderError` naming the template. */
export class HelperFailure extends Error {
  override readonly name = 'HelperFailure';
  readonly code: TemplateRenderErrorCode;

  constructor(code: TemplateRenderErrorCode, detail: string) {
    super(detail);
    this.code = code;
  }
}
