export { default } from '@wes/config/eslint'
