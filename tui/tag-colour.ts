// A tag always gets the same colour, wherever it appears.
const PALETTE = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'redBright', 'cyanBright', 'magentaBright', 'yellowBright', 'greenBright', 'blueBright'] as const;

export function tagColour(tag: string): (typeof PALETTE)[number] {
  let h = 0;
  for (let i = 0; i < tag.length; i++) h = (h * 31 + tag.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}
