import { describe, expect, test } from 'vitest';
import { EnglishNumberNormalizer } from './english-numbers.js';

const numbers = new EnglishNumberNormalizer();

describe('EnglishNumberNormalizer', () => {
  test.each([
    ['twenty one', '21'],
    ['one hundred and five', '105'],
    ['two thousand and twenty three', '2023'],
    ['nineteen eighty four', '1984'],
    ['seventeen seventy six', '1776'],
    ['twenty twenty', '2020'],
    ['in nineteen ninety', 'in 1990'],
    ['one oh one', '101'],
    ['double oh seven', '007'],
    ['zero zero seven', '007'],
    ['triple five', '555'],
    ['one two three four', '1234'],
    ['eleven twelve thirteen', '111213'],
    ['one hundred one', '101'],
    ['twenty two thousand', '22000'],
    ['five thousand six hundred seventy eight', '5678'],
    ['one million two hundred thousand', '1200000'],
    ['ninety nine bottles', '99 bottles'],
    ['two decillion', '2000000000000000000000000000000000'],
    ['quadrillion', '1000000000000000'],
  ])('cardinal: %j → %j', (text, normalized) => {
    expect(numbers.normalize(text)).toBe(normalized);
  });

  test.each([
    ['three point one four', '3.14'],
    ['point five', '.5'],
    ['three and a half', '3.5'],
    ['two and a half million', '2500000'],
    ['one point two point three', 'one.2.3'],
  ])('decimal: %j → %j', (text, normalized) => {
    expect(numbers.normalize(text)).toBe(normalized);
  });

  test.each([
    ['the first, second, third and twenty first', 'the first, second, 3rd and 21st'],
    ['first second third fourth fifth', '1st 2nd 3rd 4th 5th'],
    ['the twelfth and the hundredth and the fifth', 'the 12th and the 100th and the 5th'],
    ['thirty thousandth', '30000th'],
    ['ninetieth', '90th'],
    ['fourteenth', '14th'],
    ['the ninth', 'the ninth'],
    ['the 1960s and the twenties', 'the 1960s and the 20s'],
    ['the sixties', 'the 60s'],
    ['sixes and sevens', '6s and 7s'],
    ['hundreds of thousands', '100s of 1000s'],
    ['the 21 st century', 'the 21st century'],
  ])('ordinal and plural: %j → %j', (text, normalized) => {
    expect(numbers.normalize(text)).toBe(normalized);
  });

  test.each([
    ['three dollars and fifty cents', '$3.50'],
    ['$2 and ¢7', '$2.07'],
    ['five euros', '€5'],
    ['two pounds and five pence', '£2 and 5 pence'],
    ['a million dollars', 'a $1000000'],
    ['twenty million dollars', '$20000000'],
    ['$20 million', '$20000000'],
    ['€0.50', '¢50'],
    ['fifty percent', '50%'],
    ['fifty per cent', '50%'],
    ['100 percent', '100%'],
    ['positive ten percent', '+10%'],
    ['minus five degrees', '-5 degrees'],
    ['negative twenty', '-20'],
    ['minus one', '-one'],
    ['plus two', '+2'],
    ['per', 'per'],
    ['dollars', 'dollars'],
  ])('currency, percent and sign: %j → %j', (text, normalized) => {
    expect(numbers.normalize(text)).toBe(normalized);
  });

  test.each([
    ['one', 'one'],
    ['ones', 'ones'],
    ['one thing at a time', 'one thing at a time'],
    ['1 and 2', 'one and 2'],
    ['a hundred', 'a 100'],
    ['point', 'point'],
    ['and', 'and'],
    ['double', 'double'],
    ['the double helix', 'the double helix'],
    ['oh', '0'],
    ['', ''],
  ])('words that stay words: %j → %j', (text, normalized) => {
    expect(numbers.normalize(text)).toBe(normalized);
  });

  test('digits of other scripts are read as numbers', () => {
    expect(numbers.normalize('١٢٣ thousand')).toBe('123000');
  });
});
