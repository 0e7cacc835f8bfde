export {
  type FileToWrite,
  FileWriter,
  type FileWriterEvent,
  type FileWriterOptions,
  type WriteResult,
  write,
  writeAtomically,
} from './file-writer.js';
export {
  FileWriterError,
  type FileWriterErrorCode,
  type FileWriterErrorOptions,
} from './file-writer-error.js';
export { MAX_ELEMENT_BYTES, MAX_PATH_BYTES, validatePath, validatePaths } from './validate-paths.js';
