// A provisioning spec file's text (YAML or JSON) parsed into a ClusterSpec. Its own module so that `yaml`
// loads only where a spec file is read (the CLI's cluster commands, the TUI's :provision FILE), not with
// the core.
import { parse as parseYaml } from 'yaml';
import { RequestError } from '../errors.js';
import { parseClusterSpec, type ClusterSpec, type SpecFormat } from './cluster-spec.js';

export function specFormatOf(fileName: string): SpecFormat {
  return /\.json$/i.test(fileName) ? 'json' : 'yaml';
}

/**
 * A spec file's text (YAML or JSON) parsed and checked. A syntax error names the line, never quotes the
 * text (it may hold a password).
 */
export function parseClusterSpecText(text: string, fileName = 'spec'): ClusterSpec {
  let raw: unknown;
  if (specFormatOf(fileName) === 'json') {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message);
      const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}` : '';
      throw new RequestError(fileName, `is not valid JSON${where}`);
    }
  } else {
    try {
      // prettyErrors gives the line (linePos); its message quotes the text, so only the line and code are used.
      raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      const pos = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
      const code = (err as { code?: string }).code;
      throw new RequestError(fileName, `is not valid YAML${pos ? ` at line ${pos}` : ''}${code ? ` (${code})` : ''}`);
    }
  }
  return parseClusterSpec(raw);
}

